"""Equipment reserved with a space: co-managers manage it, bookings hold units, never more
than there are at one instant; shown on the booking, in feeds and in the usage report."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.domain import equipment
from booking.domain.usage import usage_by_member
from booking.extensions import db
from booking.models import Booking, BookingEquipment, EquipmentItem
from tests.conftest import form_time, local

NOW = local(2026, 11, 30, 9)  # a Monday


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


@pytest.fixture
def make_item(app):
    def make(name="Van", quantity=2, spaces=(), hourly_weight_pct=0, active=True):
        item = EquipmentItem(name=name, quantity=quantity, description="",
                             hourly_weight_pct=hourly_weight_pct, active=active)
        item.spaces = list(spaces)
        db.session.add(item)
        db.session.commit()
        return item

    return make


def _book_form(client, space, start, end, **equipment_fields):
    data = {"space_id": space.id, "start": form_time(start), "end": form_time(end),
            "title": "Concert", "note": "", "repeat": "none", **equipment_fields}
    return client.post("/bookings/new", data=data)


# --- managing ----------------------------------------------------------------------------------

def test_comanager_adds_equipment_tied_to_a_space(client, login, comanager, make_space):
    studio = make_space(name="Grande salle")
    login(comanager)
    response = client.post("/equipment/new", data={
        "name": "Projecteurs", "quantity": "20", "description": "", "hourly_weight": "0,5",
        "space_ids": [studio.id], "active": "y"})
    assert response.status_code == 302
    item = db.session.execute(select(EquipmentItem)).scalar_one()
    assert (item.quantity, item.hourly_weight_pct, [s.name for s in item.spaces]) == (
        20, 50, ["Grande salle"])
    page = client.get("/equipment/").get_data(as_text=True)
    assert "Projecteurs" in page and "Grande salle" in page


def test_members_cannot_manage_equipment(client, login, member, make_item):
    item = make_item()
    login(member)
    for path in ("/equipment/", "/equipment/new", f"/equipment/{item.id}/edit"):
        assert client.get(path).status_code == 403, path
    assert client.post("/equipment/new", data={"name": "Mine", "quantity": "9"}
                       ).status_code == 403
    assert client.post(f"/equipment/{item.id}/edit", data={"name": "Van", "quantity": "99"}
                       ).status_code == 403
    db.session.expire_all()
    assert db.session.get(EquipmentItem, item.id).quantity == 2
    assert len(db.session.execute(select(EquipmentItem)).all()) == 1


# --- reserving (HTML) ------------------------------------------------------------------------

def test_a_booking_reserves_units_shown_on_its_page(client, login, member, make_space,
                                                     make_item):
    space, van = make_space(), make_item("Camionnette", quantity=2)
    login(member)
    response = _book_form(client, space, local(2026, 12, 1, 18), local(2026, 12, 1, 20),
                          **{f"equipment-{van.id}": "2"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 × Camionnette" in page
    line = db.session.execute(select(BookingEquipment)).scalar_one()
    assert (line.item_id, line.quantity) == (van.id, 2)


def test_never_more_units_than_there_are_at_one_instant(client, login, make_member,
                                                        make_space, make_item):
    lights = make_item("Projecteurs", quantity=2)
    spaces = [make_space() for _ in range(4)]
    login(make_member())
    field = {f"equipment-{lights.id}": "1"}
    # 18-20 and 19-21 hold one each: two at 19:00-20:00, the maximum.
    assert _book_form(client, spaces[0], local(2026, 12, 1, 18), local(2026, 12, 1, 20),
                      **field).status_code == 302
    assert _book_form(client, spaces[1], local(2026, 12, 1, 19), local(2026, 12, 1, 21),
                      **field).status_code == 302
    refused = _book_form(client, spaces[2], local(2026, 12, 1, 19, 30),
                         local(2026, 12, 1, 20, 30), **field)
    assert refused.status_code == 200
    assert "Les 2 × Projecteurs sont tous pris à ce moment-là" in refused.get_data(as_text=True)
    # 20:00-21:00: the first has ended, one is free again.
    assert _book_form(client, spaces[3], local(2026, 12, 1, 20), local(2026, 12, 1, 21),
                      **field).status_code == 302
    assert db.session.execute(select(Booking.space_id).order_by(Booking.id)).scalars().all() \
        == [spaces[0].id, spaces[1].id, spaces[3].id]


def test_equipment_tied_to_other_spaces_is_refused_and_nothing_is_booked(
        api, member, token_for, make_space, make_item):
    hall, studio = make_space(name="Salle"), make_space(name="Studio")
    scaffold = make_item("Échafaudage", quantity=1, spaces=[hall])
    headers = token_for(member)
    response = api("POST", "/bookings", headers, json={
        "space_id": studio.id, "start": "2026-12-01T18:00:00+01:00",
        "end": "2026-12-01T20:00:00+01:00", "title": "Décor",
        "equipment": [{"item_id": scaffold.id, "quantity": 1}]})
    assert response.status_code == 422
    assert response.json["type"].endswith("equipment-unavailable")
    assert "Échafaudage" in response.json["detail"]
    assert db.session.execute(select(Booking)).first() is None


def test_booking_form_lists_only_equipment_usable_in_the_chosen_space(
        client, login, member, make_space, make_item):
    hall, studio = make_space(name="Salle"), make_space(name="Studio")
    make_item("Échafaudage", quantity=1, spaces=[hall])
    make_item("Table de mixage", quantity=1, spaces=[studio])
    make_item("Rallonge", quantity=5)
    login(member)
    from_calendar = client.get(f"/bookings/new?space={studio.id}").get_data(as_text=True)
    assert "Table de mixage" in from_calendar and "Rallonge" in from_calendar
    assert "Échafaudage" not in from_calendar
    assert "le matériel utilisable à Studio" in from_calendar
    # Sent for the hall (the booking refused for another reason): the hall's equipment.
    sent = client.post("/bookings/new", data={
        "space_id": hall.id, "start": form_time(local(2026, 12, 1, 20)),
        "end": form_time(local(2026, 12, 1, 18)), "title": "Décor", "note": "",
        "repeat": "none"}).get_data(as_text=True)
    assert "Échafaudage" in sent and "Rallonge" in sent and "Table de mixage" not in sent
    # No space chosen yet: every item, each saying where it can be used.
    unchosen = client.get("/bookings/new").get_data(as_text=True)
    assert all(name in unchosen for name in ("Échafaudage", "Table de mixage", "Rallonge"))
    assert "seulement dans Salle" in unchosen and "seulement dans Studio" in unchosen


def test_an_item_of_another_space_sent_anyway_is_refused_clearly(client, login, member,
                                                                 make_space, make_item):
    hall, studio = make_space(name="Salle"), make_space(name="Studio")
    scaffold = make_item("Échafaudage", quantity=1, spaces=[hall])
    login(member)
    refused = _book_form(client, studio, local(2026, 12, 1, 18), local(2026, 12, 1, 20),
                         **{f"equipment-{scaffold.id}": "1"})
    assert refused.status_code == 200
    assert "Échafaudage" in refused.get_data(as_text=True)
    assert db.session.execute(select(Booking)).first() is None


@pytest.mark.parametrize(("locale", "total", "held", "expected"), [
    ("fr", 1, 1, "Le seul exemplaire de Sono est pris à ce moment-là."),
    ("fr", 3, 3, "Les 3 × Sono sont tous pris à ce moment-là."),
    ("fr", 3, 2, "Il n’en reste que 1 de libre sur 3 × Sono à ce moment-là."),
    ("fr", 4, 2, "Il n’en reste que 2 de libres sur 4 × Sono à ce moment-là."),
    ("nl", 1, 1, "Het enige exemplaar van Sono is dan bezet."),
    ("nl", 3, 2, "Slechts 1 van 3 × Sono is dan vrij."),
    ("nl", 4, 2, "Slechts 2 van 4 × Sono zijn dan vrij."),
    ("en", 1, 1, "The only Sono is taken at that time."),
    ("en", 3, 3, "All 3 × Sono are taken at that time."),
    ("en", 3, 2, "Only 1 of 3 × Sono is free at that time."),
    ("en", 4, 2, "Only 2 of 4 × Sono are free at that time."),
])
def test_the_refusal_counts_units_with_proper_plural_forms(api, make_member, token_for,
                                                            make_space, make_item, locale,
                                                            total, held, expected):
    pa = make_item("Sono", quantity=total)
    holder, asker = make_member(), make_member(locale=locale)
    body = {"start": "2026-12-01T18:00:00+01:00", "end": "2026-12-01T20:00:00+01:00",
            "title": "Concert"}
    assert api("POST", "/bookings", token_for(holder), json={
        **body, "space_id": make_space().id,
        "equipment": [{"item_id": pa.id, "quantity": held}]}).status_code == 201
    refused = api("POST", "/bookings", token_for(asker), json={
        **body, "space_id": make_space().id,
        "equipment": [{"item_id": pa.id, "quantity": total - held + 1}]})
    assert refused.status_code == 422
    assert refused.json["detail"].startswith(expected), refused.json["detail"]


def test_api_books_with_equipment_and_shows_it(api, member, token_for, make_space, make_item):
    space, pa = make_space(), make_item("Sono", quantity=1)
    headers = token_for(member)
    body = {"space_id": space.id, "start": "2026-12-01T18:00:00+01:00",
            "end": "2026-12-01T20:00:00+01:00", "title": "Concert",
            "equipment": [{"item_id": pa.id, "quantity": 1}]}
    created = api("POST", "/bookings", headers, json=body)
    assert created.status_code == 201
    assert created.json["equipment"] == [{"item_id": pa.id, "name": "Sono", "quantity": 1}]
    assert api("GET", f"/bookings/{created.json['id']}", headers).json["equipment"] == \
        created.json["equipment"]
    listed = api("GET", "/bookings?start=2026-12-01T00:00:00%2B01:00&end=2026-12-02T00:00:00"
                        "%2B01:00", headers).json
    assert listed[0]["equipment"][0]["name"] == "Sono"
    assert [i["name"] for i in api("GET", "/equipment", headers).json] == ["Sono"]
    # The only PA system is out at that time, even from another space.
    other = make_space()
    again = api("POST", "/bookings", headers, json={**body, "space_id": other.id})
    assert again.status_code == 422 and again.json["type"].endswith("equipment-unavailable")
    # Cancelling gives it back.
    assert api("POST", f"/bookings/{created.json['id']}/cancel", headers, json={}
               ).status_code == 200
    assert api("POST", "/bookings", headers, json={**body, "space_id": other.id}
               ).status_code == 201


def test_moving_a_booking_keeps_its_equipment_only_if_free(api, member, token_for, make_space,
                                                           make_item):
    van = make_item("Van", quantity=1)
    headers = token_for(member)
    first = api("POST", "/bookings", headers, json={
        "space_id": make_space().id, "start": "2026-12-01T10:00:00+01:00",
        "end": "2026-12-01T12:00:00+01:00", "title": "Tournée",
        "equipment": [{"item_id": van.id, "quantity": 1}]}).json
    api("POST", "/bookings", headers, json={
        "space_id": make_space().id, "start": "2026-12-01T14:00:00+01:00",
        "end": "2026-12-01T16:00:00+01:00", "title": "Autre",
        "equipment": [{"item_id": van.id, "quantity": 1}]})
    moved = api("PATCH", f"/bookings/{first['id']}", headers, json={
        "start": "2026-12-01T15:00:00+01:00", "end": "2026-12-01T17:00:00+01:00"})
    assert moved.status_code == 422
    db.session.expire_all()
    assert db.session.get(Booking, first["id"]).start_at == local(2026, 12, 1, 10)


def test_peak_counts_ends_before_starts():
    a, b, c = local(2026, 12, 1, 10), local(2026, 12, 1, 12), local(2026, 12, 1, 14)
    assert equipment.peak_reserved([(a, b, 2), (b, c, 3)], a, c) == 3
    assert equipment.peak_reserved([(a, c, 2), (b, c, 3)], a, c) == 5
    assert equipment.peak_reserved([(a, b, 2)], b, c) == 0


# --- where it shows ------------------------------------------------------------------------

def test_feeds_describe_the_equipment(client, login, member, make_space, make_item):
    space, van = make_space(name="Atelier"), make_item("Van", quantity=2)
    login(member)
    response = _book_form(client, space, local(2026, 12, 1, 18), local(2026, 12, 1, 20),
                          **{f"equipment-{van.id}": "2"})
    booking_id = int(response.headers["Location"].rsplit("/", 1)[1])
    ics = client.get(f"/bookings/{booking_id}.ics").get_data(as_text=True)
    assert "2 × Van" in ics.replace("\r\n ", "")


def test_weighted_equipment_adds_to_cost_sharing_and_the_usage_report(
        client, login, comanager, make_member, make_space, make_booking, make_item):
    space = make_space(hourly_weight_pct=100)
    lights = make_item("Projecteurs", quantity=20, hourly_weight_pct=10)
    lea, jan = make_member(name="Léa"), make_member(name="Jan")
    with_lights = make_booking(space, lea, local(2026, 11, 3, 10), local(2026, 11, 3, 12))
    make_booking(space, jan, local(2026, 11, 4, 10), local(2026, 11, 4, 12))
    db.session.add(BookingEquipment(booking_id=with_lights.id, item_id=lights.id, quantity=5))
    db.session.commit()
    rows = {r.member_id: r for r in usage_by_member(db.session, local(2026, 11, 1),
                                                    local(2026, 12, 1))}
    # 120 min of the room, plus 120 min × 5 lights × 0.1
    assert rows[lea.id].weighted_minutes == pytest.approx(180)
    assert rows[jan.id].weighted_minutes == pytest.approx(120)
    assert rows[lea.id].minutes == rows[jan.id].minutes == 120
    login(comanager)
    page = client.get("/usage/?period=month&date=2026-11-15").get_data(as_text=True)
    assert "Projecteurs" in page
    csv_text = client.get("/usage/equipment.csv?period=month&date=2026-11-15").get_data(
        as_text=True)
    assert "Projecteurs,20,1,10.00" in csv_text


def test_cancelling_a_series_reads_equipment_and_waiting_list_once(api, member, token_for,
                                                                   make_space, count_queries):
    headers = token_for(member)

    def cancel_series_of(count, hour):
        created = api("POST", "/bookings", headers, json={
            "space_id": make_space().id, "start": f"2026-12-01T{hour}:00:00+01:00",
            "end": f"2026-12-01T{hour + 1}:00:00+01:00", "title": "Cours",
            "recurrence": {"freq": "weekly", "count": count}}).json
        first = created["created"][0]["id"]
        with count_queries() as counter:
            response = api("POST", f"/bookings/{first}/cancel", headers, json={"scope": "all"})
        assert response.status_code == 200 and len(response.json) == count
        return [sum(table in statement for statement in counter.statements)
                for table in ("booking_equipment", "waitlist_entries")]

    # (Reading the cancelled dates back after the commit is one query per date, as before.)
    assert cancel_series_of(3, 10) == cancel_series_of(8, 14) == [1, 1]
