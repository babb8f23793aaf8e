"""The usage CSV holds the three tables of the usage page, and opening hours are typed the way
people in Brussels write them (10h-22h, 10h30-22h, 10:00-22:00)."""
import re

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import RefusedBooking, Space
from tests.conftest import csv_tables, local
from tests.test_spaces import SPACE_FORM

MARCH = "period=month&date=2026-03-15"


def _cells(html: str, first_cell: str) -> list[str]:
    """The cells of the page's table row starting with `first_cell`."""
    row = re.search(rf"<tr><td>{re.escape(first_cell)}</td>(.*?)</tr>", html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_usage_csv_carries_occupancy_and_unmet_demand_as_on_the_page(
        client, login, comanager, make_member, make_space, make_booking):
    studio = make_space(name="Studio A")  # open 08:00-24:00 every day: 31 × 16 h in March
    make_space(name="Atelier", opening_hours={"mon": [["10:00", "12:00"]]})  # 5 Mondays × 2 h
    lea, jan = make_member(name="Léa"), make_member(name="Jan")
    make_booking(studio, lea, local(2026, 3, 3, 10), local(2026, 3, 3, 13))
    make_booking(studio, jan, local(2026, 3, 4, 10), local(2026, 3, 4, 11, 30))
    for start, end, reason in [
            (local(2026, 3, 3, 19), local(2026, 3, 3, 21), "conflict"),  # Tuesday evening
            (local(2026, 3, 7, 10), local(2026, 3, 7, 11), "quota"),  # Saturday
            (local(2026, 3, 4, 10), local(2026, 3, 4, 11, 30), "closure")]:  # weekday
        db.session.add(RefusedBooking(member_id=jan.id, space_id=studio.id, start_at=start,
                                      end_at=end, reason=reason))
    db.session.commit()
    login(comanager)

    response = client.get(f"/usage/report.csv?{MARCH}")
    assert response.mimetype == "text/csv"
    members, occupancy, demand = csv_tables(response.get_data(as_text=True))
    assert [r[0] for r in members[1:]] == ["Jan", "Léa"]
    assert occupancy == [
        ["Taux d’occupation par espace"],
        ["Espace", "Heures réservées", "Heures d’ouverture", "Taux d’occupation (%)"],
        ["Atelier", "0.00", "10.00", "0.0"],
        ["Studio A", "4.50", "496.00", "0.9"]]
    assert demand == [
        ["Demande non satisfaite"],
        ["Espace", "Heures refusées", "En semaine, en journée", "Soirées (dès 18:00)",
         "Week-ends", "Déjà pris", "Fermé", "Quota"],
        ["Studio A", "4.50", "1.50", "2.00", "1.00", "2.00", "1.50", "1.00"]]

    page = client.get(f"/usage/?{MARCH}").get_data(as_text=True)
    assert _cells(page, "Studio A")[:2] == ["4,5", "496,0"]
    assert "0,9 %" in _cells(page, "Studio A")[2]
    assert _cells(page.split("Demande non satisfaite")[1], "Studio A") == [
        "4,5", "1,5", "2,0", "1,0", "2,0", "1,5", "1,0"]


def test_usage_csv_with_nothing_refused_still_has_its_tables(client, login, comanager,
                                                             make_space):
    make_space(name="Studio A")
    login(comanager)
    members, occupancy, demand = csv_tables(
        client.get(f"/usage/report.csv?{MARCH}").get_data(as_text=True))
    assert len(members) == 1 and occupancy[2] == ["Studio A", "0.00", "496.00", "0.0"]
    assert len(demand) == 2  # title and header: nothing was refused


# --- opening hours ----------------------------------------------------------------------------

def test_opening_hours_are_read_in_every_usual_spelling(client, login, comanager):
    login(comanager)
    response = client.post("/spaces/new", data={
        **SPACE_FORM, "mon": "10h-22h", "tue": "10h30-22h", "wed": "10:00-22:00",
        "thu": "8h-12h, 13h30-24h", "fri": "9.00 – 17.30"})
    assert response.status_code == 302
    hours = db.session.execute(select(Space)).scalar_one().opening_hours
    assert hours["mon"] == [["10:00", "22:00"]]
    assert hours["tue"] == [["10:30", "22:00"]]
    assert hours["wed"] == [["10:00", "22:00"]]
    assert hours["thu"] == [["08:00", "12:00"], ["13:30", "24:00"]]
    assert hours["fri"] == [["09:00", "17:30"]]


@pytest.mark.parametrize("lang, message", [
    ("fr", "n’est pas une plage horaire\u00a0: écrivez-la comme 10:00-22:00, 10h-22h ou "
           "10h30-22h."),
    ("nl", "is geen tijdsbestek: schrijf het als 10:00-22:00, 10h-22h of 10h30-22h."),
    ("en", "is not a time range: write it like 10:00-22:00, 10h-22h or 10h30-22h."),
])
@pytest.mark.parametrize("typed", ["10 à 22", "10-22", "10h3-22h"])
def test_unreadable_opening_hours_say_which_format_is_expected(
        client, login, make_member, lang, message, typed):
    login(make_member("comanager", locale=lang))
    response = client.post("/spaces/new", data={**SPACE_FORM, "mon": typed})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Space.id))) == 0
