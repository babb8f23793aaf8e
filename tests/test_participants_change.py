"""Changing who takes part in an existing booking (a band with a new drummer): its member or a
co-manager, on the change page or with PATCH participant_ids; those added see it and are told,
those removed no longer see it and are told too; never on a finished or cancelled booking."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from booking.domain.feed_tokens import regenerate_feed_token
from booking.extensions import db
from booking.models import AuditEvent, Booking, BookingParticipant, Notification
from tests.conftest import local

NOW = local(2026, 11, 30, 9)  # a Monday
START, END = local(2026, 12, 2, 18), local(2026, 12, 2, 20)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


@pytest.fixture
def band(make_member, make_space, make_booking, member):
    """(booking, drummer, bassist): Léa's rehearsal with the old drummer named."""
    space = make_space(name="Studio")
    drummer, bassist = make_member(name="Ancien Batteur"), make_member(name="Nouvelle Bassiste")
    booking = make_booking(space, member, START, END, title="Répétition du groupe")
    db.session.add(BookingParticipant(booking_id=booking.id, member_id=drummer.id))
    db.session.commit()
    return booking, drummer, bassist


def _named(booking_id):
    return sorted(db.session.execute(select(BookingParticipant.member_id).where(
        BookingParticipant.booking_id == booking_id)).scalars())


def _kinds(person):
    return list(db.session.execute(select(Notification.kind).where(
        Notification.member_id == person.id).order_by(Notification.id)).scalars())


def _sequence(booking_id):
    return db.session.execute(select(Booking.sequence).where(Booking.id == booking_id)
                              ).scalar_one()


@pytest.fixture
def sign_in(client, login):
    """sign_in(person): the test client signed out, then in as that person."""
    def switch(person):
        client.post("/logout")
        return login(person)

    return switch


def _mine(api, token_for, person):
    return [(b["id"], b["role"]) for b in api("GET", "/bookings?mine=true",
                                                token_for(person)).json]


# --- the change page -------------------------------------------------------------------------

def test_member_changes_participants_on_the_change_page(client, sign_in, member, band):
    booking, drummer, bassist = band
    sequence = booking.sequence
    sign_in(member)
    page = client.get(f"/bookings/{booking.id}/edit").get_data(as_text=True)
    assert 'id="participants-title"' in page
    assert f'action="/bookings/{booking.id}/participants"' in page
    assert f'<option selected value="{drummer.id}">Ancien Batteur</option>' in page
    assert f'value="{bassist.id}">Nouvelle Bassiste</option>' in page
    assert f'value="{member.id}"' not in page.split('id="participants-title"')[1]
    response = client.post(f"/bookings/{booking.id}/participants",
                           data={"participant_ids": [bassist.id]}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.request.path == f"/bookings/{booking.id}"
    assert "Participants enregistrés." in body
    assert "Nouvelle Bassiste" in body and "Ancien Batteur" not in body
    assert _named(booking.id) == [bassist.id]
    assert _sequence(booking.id) == sequence + 1
    audit = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "booking.participants")).scalar_one()
    assert (audit.actor_id, audit.object_id) == (member.id, booking.id)
    assert audit.detail == f"added {bassist.id}; removed {drummer.id}"
    # The new bassist sees the rehearsal as hers; the old drummer no longer does.
    sign_in(bassist)
    assert "Répétition du groupe" in client.get("/bookings/mine").get_data(as_text=True)
    assert client.get(f"/bookings/{booking.id}").status_code == 200
    sign_in(drummer)
    assert "Répétition du groupe" not in client.get("/bookings/mine").get_data(as_text=True)
    assert client.get(f"/bookings/{booking.id}").status_code == 403


def test_both_hear_of_it_in_their_language(client, sign_in, member, band):
    booking, drummer, bassist = band
    sign_in(member)
    client.post(f"/bookings/{booking.id}/participants", data={"participant_ids": [bassist.id]})
    assert _kinds(bassist) == ["booking_participant"]
    assert _kinds(drummer) == ["booking_participant_removed"]
    assert _kinds(member) == []  # one's own change is not told back
    sign_in(drummer)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Vous ne participez plus : Studio" in page
    assert "Léa Musicienne vous a retiré·e des participants de cette réservation" in page
    sign_in(bassist)
    assert "Vous participez : Studio" in client.get("/notifications").get_data(as_text=True)


def test_removing_everyone_and_saving_the_same_list(client, sign_in, member, band):
    booking, drummer, _bassist = band
    sign_in(member)
    client.post(f"/bookings/{booking.id}/participants", data={})
    assert _named(booking.id) == []
    assert _kinds(drummer) == ["booking_participant_removed"]
    sequence = _sequence(booking.id)
    client.post(f"/bookings/{booking.id}/participants", data={})  # nothing to change
    assert _sequence(booking.id) == sequence and _kinds(drummer) == [
        "booking_participant_removed"]


def test_an_inactive_member_is_refused_on_the_page_and_nothing_changes(
        client, sign_in, member, band, make_member):
    booking, drummer, bassist = band
    gone = make_member(name="Partie", active=False)
    sequence = booking.sequence
    sign_in(member)
    page = client.get(f"/bookings/{booking.id}/edit").get_data(as_text=True)
    assert "Partie" not in page  # only active members are offered
    response = client.post(f"/bookings/{booking.id}/participants",
                           data={"participant_ids": [bassist.id, gone.id]},
                           follow_redirects=True)
    assert response.request.path == f"/bookings/{booking.id}/edit"
    assert "n’est pas un membre actif" in response.get_data(as_text=True) or \
        "n'est pas un membre actif" in response.get_data(as_text=True)
    assert _named(booking.id) == [drummer.id]
    assert _sequence(booking.id) == sequence
    assert _kinds(bassist) == [] and _kinds(drummer) == []


def test_a_member_cannot_change_the_participants_of_someone_elses_booking(
        client, sign_in, band, make_member):
    booking, drummer, bassist = band
    sign_in(make_member(name="Autre"))
    assert client.post(f"/bookings/{booking.id}/participants",
                       data={"participant_ids": [bassist.id]}).status_code == 403
    # A participant reads the booking but does not change who takes part.
    sign_in(drummer)
    response = client.post(f"/bookings/{booking.id}/participants",
                           data={"participant_ids": [bassist.id]}, follow_redirects=True)
    assert ("Seul le membre qui l’a faite, ou un cogestionnaire, peut modifier cette "
            "réservation") in response.get_data(as_text=True)
    assert _named(booking.id) == [drummer.id] and _kinds(bassist) == []


def test_a_comanager_changes_them_and_the_member_is_told(client, sign_in, comanager, member,
                                                        band):
    booking, drummer, bassist = band
    sign_in(comanager)
    client.post(f"/bookings/{booking.id}/participants",
                data={"participant_ids": [drummer.id, bassist.id]})
    assert _named(booking.id) == sorted([drummer.id, bassist.id])
    assert _kinds(bassist) == ["booking_participant"] and _kinds(drummer) == []
    assert _kinds(member) == ["booking_changed"]


def test_a_finished_or_cancelled_booking_refuses(client, sign_in, member, band, make_booking,
                                                 make_member, api, token_for):
    booking, drummer, bassist = band
    past = make_booking(booking.space, member, NOW - timedelta(days=2),
                        NOW - timedelta(days=2) + timedelta(hours=2), title="Passée")
    booking.status = "cancelled"
    db.session.commit()
    sign_in(member)
    for refused in (past, booking):
        response = client.post(f"/bookings/{refused.id}/participants",
                               data={"participant_ids": [bassist.id]}, follow_redirects=True)
        assert response.request.path == f"/bookings/{refused.id}"
        assert api("PATCH", f"/bookings/{refused.id}", token_for(member),
                   json={"participant_ids": [bassist.id]}).status_code == 409
    assert _named(booking.id) == [drummer.id] and _named(past.id) == []
    assert _kinds(bassist) == []


# --- the API ---------------------------------------------------------------------------------

def test_member_changes_participants_through_the_api(client, api, member, band, token_for):
    booking, drummer, bassist = band
    sequence = booking.sequence
    assert _mine(api, token_for, drummer) == [(booking.id, "participant")]
    response = api("PATCH", f"/bookings/{booking.id}", token_for(member),
                   json={"participant_ids": [bassist.id, member.id]})
    assert response.status_code == 200
    [answer] = response.json
    assert answer["participant_ids"] == [bassist.id]  # the booker is left out
    assert answer["sequence"] == sequence + 1
    assert (answer["title"], answer["start"]) == ("Répétition du groupe",
                                                  "2026-12-02T18:00:00+01:00")
    assert _mine(api, token_for, bassist) == [(booking.id, "participant")]
    assert _mine(api, token_for, drummer) == []
    assert api("GET", f"/bookings/{booking.id}", token_for(drummer)).status_code == 403
    assert _kinds(bassist) == ["booking_participant"]
    assert _kinds(drummer) == ["booking_participant_removed"]
    # The feeds show it: the bassist's with the bumped sequence, the drummer's no longer.
    feeds = {}
    for person in (bassist, drummer):
        token = regenerate_feed_token(person)
        db.session.commit()
        feeds[person.id] = Calendar.from_ical(client.get(f"/feeds/{token}/member.ics").data)
    [event] = feeds[bassist.id].walk("VEVENT")
    assert int(event["SEQUENCE"]) == sequence + 1
    assert feeds[drummer.id].walk("VEVENT") == []


def test_the_api_moves_and_changes_participants_in_one_call(api, member, band, token_for):
    booking, _drummer, bassist = band
    response = api("PATCH", f"/bookings/{booking.id}", token_for(member), json={
        "title": "Filage", "participant_ids": [bassist.id]})
    assert response.status_code == 200
    assert [(b["title"], b["participant_ids"]) for b in response.json] == [
        ("Filage", [bassist.id])]


def test_a_patch_without_participant_ids_keeps_them(api, member, band, token_for):
    booking, drummer, bassist = band
    response = api("PATCH", f"/bookings/{booking.id}", token_for(member),
                   json={"title": "Filage"})
    assert response.status_code == 200 and response.json[0]["title"] == "Filage"
    assert _named(booking.id) == [drummer.id]
    assert _kinds(drummer) == ["booking_changed"] and _kinds(bassist) == []


def test_the_api_refuses_an_inactive_or_unknown_member_and_changes_nothing(
        api, member, band, make_member, token_for):
    booking, drummer, bassist = band
    gone = make_member(name="Partie", active=False)
    sequence = booking.sequence
    for wrong in (gone.id, 99999):
        response = api("PATCH", f"/bookings/{booking.id}", token_for(member),
                       json={"participant_ids": [bassist.id, wrong], "title": "Filage"})
        assert response.status_code == 422
        assert "participant" in response.json["detail"]
    too_many = api("PATCH", f"/bookings/{booking.id}", token_for(member),
                   json={"participant_ids": list(range(1, 60))})
    assert too_many.status_code == 422
    assert _named(booking.id) == [drummer.id]
    assert _sequence(booking.id) == sequence
    assert db.session.execute(select(Booking.title).where(Booking.id == booking.id)
                              ).scalar_one() == "Répétition du groupe"
    assert _kinds(bassist) == [] and _kinds(drummer) == []


def test_the_api_refuses_someone_elses_booking(api, band, make_member, token_for):
    booking, drummer, bassist = band
    other = make_member(name="Autre")
    assert api("PATCH", f"/bookings/{booking.id}", token_for(other),
               json={"participant_ids": [other.id]}).status_code == 403
    # A participant reads it but changes nothing: forbidden (403), as for anyone else, not
    # a 409 that would say the booking is in the wrong state.
    headers, path = token_for(drummer), f"/bookings/{booking.id}"
    assert api("PATCH", path, headers, json={"participant_ids": [bassist.id]}).status_code == 403
    moved = api("PATCH", path, headers, json={"title": "Ma répétition"})
    assert moved.status_code == 403 and moved.json["type"].endswith(":forbidden")
    assert api("POST", f"{path}/cancel", headers, json={}).status_code == 403
    assert api("PUT", f"{path}/equipment", headers, json={"equipment": []}).status_code == 403
    db.session.expire_all()
    stored = db.session.get(Booking, booking.id)
    assert (stored.title, stored.status) == ("Répétition du groupe", "confirmed")
    assert _named(booking.id) == [drummer.id]


def test_a_date_of_a_series_changes_alone(api, member, make_space, make_member, token_for):
    space, singer = make_space(), make_member(name="Chanteuse")
    created = api("POST", "/bookings", token_for(member), json={
        "space_id": space.id, "start": START.isoformat(), "end": END.isoformat(),
        "title": "Hebdo", "recurrence": {"freq": "weekly", "count": 3}}).json["created"]
    second = created[1]["id"]
    response = api("PATCH", f"/bookings/{second}", token_for(member),
                   json={"participant_ids": [singer.id], "scope": "all"})
    assert [b["id"] for b in response.json] == [second]
    assert [_named(b["id"]) for b in created] == [[], [singer.id], []]
    assert _mine(api, token_for, singer) == [(second, "participant")]


def test_the_openapi_document_names_participant_ids_on_patch(api):
    spec = api("GET", "/openapi.json").json
    update = spec["components"]["schemas"]["BookingUpdate"]["properties"]
    assert update["participant_ids"]["maxItems"] == 50
