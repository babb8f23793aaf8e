"""One 24-hour clock, one set of date styles and numbers as each language writes them."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.formatting import DATE_STYLES, format_date, format_datetime, format_time
from booking.models import Closure
from tests.conftest import BRUSSELS, form_time, local

ROOT = Path(__file__).resolve().parent.parent
HARD_CODED = re.compile(r"HH:mm|H:mm|%H:%M|%H|h:mm|strftime|\bAM\b|\bPM\b")
STYLE_ARGUMENT = re.compile(r"\|(?:date|datetime)\(\s*[\"']([^\"']*)[\"']")


def _template_sources():
    return sorted((ROOT / "templates").rglob("*.html"))


def test_no_template_or_wording_hard_codes_a_time_format():
    offenders = []
    for path in [*_template_sources(), ROOT / "booking/domain/wording.py",
                 ROOT / "booking/bookings/grid.py", ROOT / "booking/domain/notifications/kinds.py"]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if HARD_CODED.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert offenders == []


def test_templates_name_date_styles_instead_of_patterns():
    used = {(path.name, style) for path in _template_sources()
            for style in STYLE_ARGUMENT.findall(path.read_text())}
    assert used, "the templates format dates through the date and datetime filters"
    assert {(name, style) for name, style in used if style not in DATE_STYLES} == set()


@pytest.mark.parametrize("language, expected", [
    ("en", "Tuesday, 3 March 2026, 18:00"),
    ("fr", "mardi 3 mars 2026, 18:00"),
    ("nl", "dinsdag 3 maart 2026, 18:00"),
])
def test_every_language_reads_a_24_hour_clock(app, language, expected):
    with app.test_request_context():
        moment = local(2026, 3, 3, 18)
        assert format_datetime(moment, "full", zone=BRUSSELS, language=language) == expected
        assert format_time(moment, zone=BRUSSELS, language=language) == "18:00"
        assert format_date(moment, "day", zone=BRUSSELS, language=language).endswith(
            {"en": "3 March", "fr": "3 mars", "nl": "3 maart"}[language])


def test_english_pages_show_18_00_not_6_pm(client, login, make_member, make_space, make_booking):
    reader = make_member(locale="en")
    space = make_space(name="Studio Dièse", horizon_days=10000)
    booking = make_booking(space, reader, local(2030, 3, 5, 18), local(2030, 3, 5, 20),
                           title="Band practice")
    login(reader)
    pages = {
        "mine": client.get("/bookings/mine").get_data(as_text=True),
        "detail": client.get(f"/bookings/{booking.id}").get_data(as_text=True),
        "week": client.get(f"/calendar/week?space={space.id}&date=2030-03-05")
        .get_data(as_text=True),
    }
    for name, page in pages.items():
        assert "18:00" in page, name
        assert "6:00 PM" not in page and "PM" not in page, name
    assert "Tuesday, 5 March 2030" in pages["detail"]
    assert "Book Studio Dièse on Tuesday, 5 March at 20:00" in pages["week"]


@pytest.mark.parametrize("locale, sentence", [
    ("en", "1 is normal, 1.5 counts half more."),
    ("fr", "1 est la norme, 1,5 compte moitié plus."),
    ("nl", "1 is normaal, 1,5 telt de helft meer."),
])
def test_help_text_writes_decimals_as_the_language_does(client, login, make_member, locale,
                                                        sentence):
    login(make_member("comanager", locale=locale))
    assert sentence in client.get("/spaces/new").get_data(as_text=True)


@pytest.mark.parametrize("locale, one, many", [
    ("en", "Cancel this booking", "1 booking cancelled; its member was told."),
    ("fr", "Annuler cette réservation",
     "1 réservation annulée ; le membre concerné a été prévenu."),
    ("nl", "Deze reservering annuleren",
     "1 reservering geannuleerd; het betrokken lid kreeg een bericht."),
])
def test_one_booking_hit_by_a_closure_reads_in_the_singular(
        client, login, make_member, member, make_space, make_booking, locale, one, many):
    space = make_space()
    make_booking(space, member, local(2030, 3, 4, 18), local(2030, 3, 4, 20))
    login(make_member("comanager", locale=locale))
    response = client.post("/spaces/closures", data={
        "space_id": space.id, "start": form_time(local(2030, 3, 4, 8)),
        "end": form_time(local(2030, 3, 5, 8)), "reason": "Dégât des eaux"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert one in page and "these 1" not in page
    closure = db.session.execute(select(Closure)).scalar_one()
    done = client.post(f"/spaces/closures/{closure.id}",
                       data={"message": "Désolés", "confirmed": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert many in done


def test_two_bookings_hit_by_a_closure_read_in_the_plural(
        client, login, make_member, member, make_space, make_booking):
    space = make_space()
    for day in (4, 5):
        make_booking(space, member, local(2030, 3, day, 18), local(2030, 3, day, 20))
    login(make_member("comanager", locale="en"))
    response = client.post("/spaces/closures", data={
        "space_id": space.id, "start": form_time(local(2030, 3, 4, 8)),
        "end": form_time(local(2030, 3, 6, 8)), "reason": "Dégât des eaux"})
    assert "Cancel these 2 bookings" in client.get(response.headers["Location"]).get_data(
        as_text=True)
