"""Changing the equipment of an existing booking, on its change page or through the API: its
member or a co-manager, never more units than there are at any instant (the rule and lock of
a new booking), and never on a date of a series."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.domain import bookings as rules
from booking.extensions import db
from booking.models import BookingEquipment, EquipmentItem, Notification
from tests.conftest import local

NOW = local(2026, 11, 30, 9)  # a Monday
START, END = local(2026, 12, 1, 18), local(2026, 12, 1, 20)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


@pytest.fixture
def make_item(app):
    def make(name="Van", quantity=2, spaces=(), active=True):
        item = EquipmentItem(name=name, quantity=quantity, description="",
                             hourly_weight_pct=0, active=active)
        item.spaces = list(spaces)
        db.session.add(item)
        db.session.commit()
        return item

    return make


def _hold(booking, item, units):
    db.session.add(BookingEquipment(booking_id=booking.id, item_id=item.id, quantity=units))
    db.session.commit()


def _held(booking):
    return dict(db.session.execute(select(BookingEquipment.item_id, BookingEquipment.quantity)
                                   .where(BookingEquipment.booking_id == booking.id)).all())


def test_member_adds_and_gives_back_equipment_on_the_change_page(
        client, login, member, make_space, make_booking, make_item):
    studio, hall = make_space(name="Studio"), make_space(name="Salle")
    van, lights = make_item("Camionnette", quantity=2), make_item("Projecteurs", quantity=8)
    make_item("Échafaudage", quantity=1, spaces=[hall])
    booking = make_booking(studio, member, START, END)
    _hold(booking, lights, 4)
    sequence = booking.sequence
    login(member)
    page = client.get(f"/bookings/{booking.id}/edit").get_data(as_text=True)
    assert f'name="equipment-{van.id}"' in page and "Échafaudage" not in page
    assert f'name="equipment-{lights.id}" min="0" max="8" value="4"' in page
    response = client.post(f"/bookings/{booking.id}/equipment", data={
        f"equipment-{van.id}": "2", f"equipment-{lights.id}": "0"})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Matériel enregistré" in detail and "2 × Camionnette" in detail
    assert "Projecteurs" not in detail
    db.session.expire_all()
    assert _held(booking) == {van.id: 2}
    assert db.session.get(type(booking), booking.id).sequence == sequence + 1  # feeds update


def test_added_units_must_be_free_at_every_instant(client, login, make_member, make_space,
                                                   make_booking, make_item):
    van = make_item("Camionnette", quantity=2)
    owner, other = make_member(), make_member()
    mine = make_booking(make_space(), owner, START, END)
    _hold(mine, van, 1)
    # Another room holds one from 19:00 to 21:00: two are out from 19:00 to 20:00.
    theirs = make_booking(make_space(), other, local(2026, 12, 1, 19), local(2026, 12, 1, 21))
    _hold(theirs, van, 1)
    login(owner)
    refused = client.post(f"/bookings/{mine.id}/equipment", data={f"equipment-{van.id}": "2"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Il n’en reste que 1 de libre sur 2 × Camionnette" in refused
    db.session.expire_all()
    assert _held(mine) == {van.id: 1}
    # Once the other booking is cancelled, the second van is free.
    rules.cancel_booking(db.session, theirs, actor=other, reason="", now=NOW)
    db.session.commit()
    assert client.post(f"/bookings/{mine.id}/equipment", data={f"equipment-{van.id}": "2"}
                       ).status_code == 302
    db.session.expire_all()
    assert _held(mine) == {van.id: 2}


def test_comanager_changes_a_members_equipment_and_the_member_is_told(
        client, login, member, comanager, make_space, make_booking, make_item):
    van = make_item("Camionnette", quantity=2)
    booking = make_booking(make_space(), member, START, END)
    login(comanager)
    assert client.post(f"/bookings/{booking.id}/equipment", data={f"equipment-{van.id}": "1"}
                       ).status_code == 302
    db.session.expire_all()
    assert _held(booking) == {van.id: 1}
    told = db.session.execute(select(Notification).where(
        Notification.member_id == member.id)).scalars().all()
    assert [n.kind for n in told] == ["booking_changed"]
    assert told[0].params["by"] == comanager.name


def test_a_member_cannot_change_someone_elses_equipment(client, login, api, token_for,
                                                        make_member, make_space,
                                                        make_booking, make_item):
    van = make_item("Camionnette", quantity=2)
    owner, intruder = make_member(), make_member()
    booking = make_booking(make_space(), owner, START, END)
    _hold(booking, van, 1)
    login(intruder)
    assert client.post(f"/bookings/{booking.id}/equipment",
                       data={f"equipment-{van.id}": "0"}).status_code == 403
    assert api("PUT", f"/bookings/{booking.id}/equipment", token_for(intruder),
               json={"equipment": []}).status_code == 403
    db.session.expire_all()
    assert _held(booking) == {van.id: 1}


def test_a_date_of_a_series_holds_no_equipment(client, login, api, token_for, member,
                                               make_space, make_booking, make_item):
    van = make_item("Camionnette", quantity=2)
    space = make_space()
    created = api("POST", "/bookings", token_for(member), json={
        "space_id": space.id, "start": "2026-12-01T18:00:00+01:00",
        "end": "2026-12-01T20:00:00+01:00", "title": "Répétition",
        "recurrence": {"freq": "weekly", "count": 3}})
    assert created.status_code == 201, created.json
    occurrence_id = created.json["created"][1]["id"]
    login(member)
    page = client.get(f"/bookings/{occurrence_id}/edit").get_data(as_text=True)
    assert "appartient à une série" in page and f'name="equipment-{van.id}"' not in page
    refused = client.post(f"/bookings/{occurrence_id}/equipment",
                          data={f"equipment-{van.id}": "1"}, follow_redirects=True)
    assert "appartient à une série" in refused.get_data(as_text=True)
    answer = api("PUT", f"/bookings/{occurrence_id}/equipment", token_for(member),
                 json={"equipment": [{"item_id": van.id, "quantity": 1}]})
    assert answer.status_code == 422 and "série" in answer.json["detail"]
    assert db.session.execute(select(BookingEquipment)).first() is None


def test_api_replaces_the_equipment_of_a_booking(api, token_for, member, make_space,
                                                 make_booking, make_item):
    studio, hall = make_space(name="Studio"), make_space(name="Salle")
    van, lights = make_item("Camionnette", quantity=2), make_item("Projecteurs", quantity=8)
    scaffold = make_item("Échafaudage", quantity=1, spaces=[hall])
    booking = make_booking(studio, member, START, END)
    headers, path = token_for(member), f"/bookings/{booking.id}/equipment"
    changed = api("PUT", path, headers, json={"equipment": [
        {"item_id": van.id, "quantity": 1}, {"item_id": lights.id, "quantity": 6}]})
    assert changed.status_code == 200
    assert changed.json["equipment"] == [
        {"item_id": van.id, "name": "Camionnette", "quantity": 1},
        {"item_id": lights.id, "name": "Projecteurs", "quantity": 6}]
    assert api("GET", f"/bookings/{booking.id}", headers).json["equipment"] == \
        changed.json["equipment"]
    too_many = api("PUT", path, headers, json={"equipment": [
        {"item_id": lights.id, "quantity": 9}]})
    assert too_many.status_code == 422
    assert too_many.json["type"].endswith("equipment-unavailable")
    elsewhere = api("PUT", path, headers, json={"equipment": [
        {"item_id": scaffold.id, "quantity": 1}]})
    assert elsewhere.status_code == 422 and "Échafaudage" in elsewhere.json["detail"]
    db.session.expire_all()
    assert _held(booking) == {van.id: 1, lights.id: 6}
    emptied = api("PUT", path, headers, json={"equipment": []})
    assert emptied.status_code == 200 and emptied.json["equipment"] == []
    assert "put" in api("GET", "/openapi.json").json["paths"][
        "/api/v1/bookings/{booking_id}/equipment"]


def test_an_item_no_longer_lent_can_be_kept_or_given_back_not_added(
        api, token_for, member, make_space, make_booking, make_item):
    pa = make_item("Sono", quantity=2)
    booking = make_booking(make_space(), member, START, END)
    _hold(booking, pa, 1)
    pa.active = False
    db.session.commit()
    headers, path = token_for(member), f"/bookings/{booking.id}/equipment"
    assert api("PUT", path, headers, json={"equipment": [{"item_id": pa.id, "quantity": 2}]}
               ).status_code == 422
    assert api("PUT", path, headers, json={"equipment": [{"item_id": pa.id, "quantity": 1}]}
               ).status_code == 200
    assert api("PUT", path, headers, json={"equipment": []}).json["equipment"] == []


def test_an_ended_booking_keeps_its_equipment(api, token_for, member, make_space,
                                              make_booking, make_item):
    van = make_item("Camionnette", quantity=2)
    past = make_booking(make_space(), member, local(2026, 11, 29, 18), local(2026, 11, 29, 20))
    _hold(past, van, 1)
    answer = api("PUT", f"/bookings/{past.id}/equipment", token_for(member),
                 json={"equipment": []})
    assert answer.status_code == 409
    db.session.expire_all()
    assert _held(past) == {van.id: 1}
