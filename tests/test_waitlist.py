"""The waiting list: joining a taken slot, one's place in line, offers when it frees (held
for the first in line), booking directly when asked, expiry passing to the next."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.domain import bookings as rules
from booking.domain import closures, waitlist
from booking.extensions import db
from booking.jobs import run_desk_jobs
from booking.models import Booking, Notification, WaitlistEntry
from tests.conftest import form_time, local

NOW = local(2026, 11, 30, 9)  # a Monday
START, END = "2026-12-01T18:00:00+01:00", "2026-12-01T20:00:00+01:00"


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def _join(api, headers, space, auto_book=False, start=START, end=END):
    return api("POST", "/waitlist", headers, json={"space_id": space.id, "start": start,
                                                   "end": end, "auto_book": auto_book})


def _kinds(member):
    return [n.kind for n in db.session.execute(select(Notification).where(
        Notification.member_id == member.id).order_by(Notification.id)).scalars()]


def test_members_join_a_taken_slot_and_see_their_place(api, make_member, token_for, taken):
    space, _holder, _booking = taken
    first, second = make_member(), make_member()
    one = _join(api, token_for(first), space)
    assert one.status_code == 201
    assert (one.json["status"], one.json["position"]) == ("waiting", 1)
    two = _join(api, token_for(second), space, start="2026-12-01T19:00:00+01:00")
    assert two.json["position"] == 2
    mine = api("GET", "/me/waitlist", token_for(second)).json
    assert [(e["id"], e["position"]) for e in mine] == [(two.json["id"], 2)]
    again = _join(api, token_for(first), space)
    assert again.status_code == 422 and "déjà" in again.json["detail"]


def test_a_free_time_is_to_be_booked_not_waited_for(api, member, token_for, make_space):
    response = _join(api, token_for(member), make_space())
    assert response.status_code == 422
    assert db.session.execute(select(WaitlistEntry)).first() is None


def test_a_member_cannot_remove_someone_elses_entry(api, make_member, token_for, taken):
    space, _holder, _booking = taken
    owner, other = make_member(), make_member()
    entry = _join(api, token_for(owner), space).json
    assert api("DELETE", f"/waitlist/{entry['id']}", token_for(other)).status_code == 403
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry["id"]).status == "waiting"
    assert api("GET", "/me/waitlist", token_for(other)).json == []
    assert api("DELETE", f"/waitlist/{entry['id']}", token_for(owner)).status_code == 204
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry["id"]).status == "cancelled"
    assert api("DELETE", f"/waitlist/{entry['id']}", token_for(owner)).status_code == 409


def test_a_cancellation_offers_the_slot_to_the_first_and_holds_it(api, make_member, token_for,
                                                                  taken):
    space, holder, booking = taken
    first, second = make_member(), make_member()
    entry = _join(api, token_for(first), space).json
    _join(api, token_for(second), space)
    assert api("POST", f"/bookings/{booking.id}/cancel", token_for(holder), json={}
               ).status_code == 200
    assert "waitlist_offer" in _kinds(first) and "waitlist_offer" not in _kinds(second)
    offered = api("GET", "/me/waitlist", token_for(first)).json[0]
    assert offered["status"] == "offered"
    assert offered["offer_expires_at"] == "2026-11-30T11:00:00+01:00"  # 2 h by default
    # Someone else (even second in line) cannot take it while it is held.
    grab = api("POST", "/bookings", token_for(second), json={
        "space_id": space.id, "start": START, "end": END, "title": "Moi"})
    assert grab.status_code == 422 and grab.json["type"].endswith("held-for-waitlist")
    accepted = api("POST", f"/waitlist/{entry['id']}/accept", token_for(first),
                   json={"title": "Enfin"})
    assert accepted.status_code == 201 and accepted.json["member_id"] == first.id
    assert api("GET", "/me/waitlist", token_for(first)).json[0]["status"] == "booked"


def test_book_it_for_me_books_directly_when_the_slot_frees(api, make_member, token_for, taken):
    space, holder, booking = taken
    first = make_member()
    _join(api, token_for(first), space, auto_book=True)
    api("POST", f"/bookings/{booking.id}/cancel", token_for(holder), json={})
    db.session.expire_all()
    mine = db.session.execute(select(Booking).where(Booking.member_id == first.id)
                              ).scalar_one()
    assert (mine.status, mine.start_at) == ("confirmed", local(2026, 12, 1, 18))
    assert "waitlist_booked" in _kinds(first)
    assert api("GET", "/me/waitlist", token_for(first)).json[0]["booking_id"] == mine.id


def test_an_expired_offer_passes_to_the_next(app, api, make_member, token_for, taken):
    space, holder, booking = taken
    first, second = make_member(), make_member()
    _join(api, token_for(first), space)
    _join(api, token_for(second), space)
    api("POST", f"/bookings/{booking.id}/cancel", token_for(holder), json={})
    assert run_desk_jobs(NOW + timedelta(minutes=30)) == (0, 0)  # still valid
    assert run_desk_jobs(NOW + timedelta(hours=2)) == (0, 1)
    statuses = db.session.execute(select(WaitlistEntry.member_id, WaitlistEntry.status)
                                  .order_by(WaitlistEntry.id)).all()
    assert statuses == [(first.id, "expired"), (second.id, "offered")]
    assert "waitlist_offer" in _kinds(second)


def test_a_rejection_and_a_lifted_closure_free_the_slot_too(api, make_member, comanager,
                                                            token_for, make_space,
                                                            make_booking):
    space = make_space(needs_approval=True)
    holder, first = make_member(), make_member()
    pending = make_booking(space, holder, local(2026, 12, 1, 18), local(2026, 12, 1, 20),
                           status="pending")
    _join(api, token_for(first), space)
    assert api("POST", f"/bookings/{pending.id}/reject", token_for(comanager),
               json={"reason": "Travaux"}).status_code == 200
    assert "waitlist_offer" in _kinds(first)

    other, waiting = make_space(), make_member()
    closure = closures.create_closure(db.session, actor=comanager, space_id=other.id,
                                      start=local(2026, 12, 3, 8), end=local(2026, 12, 3, 23),
                                      reason="Peinture", now=NOW)
    db.session.commit()
    entry = _join(api, token_for(waiting), other, start="2026-12-03T10:00:00+01:00",
                  end="2026-12-03T12:00:00+01:00").json
    closures.delete_closure(db.session, closure, actor=comanager, now=NOW)
    db.session.commit()
    assert db.session.get(WaitlistEntry, entry["id"]).status == "offered"


def test_booking_form_offers_the_waiting_list_on_a_taken_time(client, login, make_member,
                                                              taken):
    space, _holder, _booking = taken
    login(make_member(name="Noé"))
    page = client.post("/bookings/new", data={
        "space_id": space.id, "start": form_time(local(2026, 12, 1, 18)),
        "end": form_time(local(2026, 12, 1, 20)), "title": "Répétition", "note": "",
        "repeat": "none"}).get_data(as_text=True)
    assert "/waitlist" in page and 'name="waitlist-auto_book"' in page
    assert 'value="2026-12-01T18:00"' in page
    response = client.post("/waitlist", data={
        "waitlist-space_id": str(space.id), "waitlist-start": form_time(local(2026, 12, 1, 18)),
        "waitlist-end": form_time(local(2026, 12, 1, 20)), "waitlist-auto_book": "y"})
    assert response.status_code == 302
    listing = client.get("/waitlist").get_data(as_text=True)
    assert "Studio" in listing and ": 1" in listing
    entry = db.session.execute(select(WaitlistEntry)).scalar_one()
    assert entry.auto_book is True


def test_html_leave_and_accept_belong_to_the_entrys_member(client, login, make_member, taken):
    space, holder, booking = taken
    owner, intruder = make_member(), make_member()
    entry = waitlist.join_waitlist(db.session, space=space, member=owner,
                                   start=local(2026, 12, 1, 18), end=local(2026, 12, 1, 20),
                                   auto_book=False, now=NOW, tz="Europe/Brussels")
    db.session.commit()
    entry_id = entry.id
    rules.cancel_booking(db.session, booking, actor=holder, reason="", now=NOW)
    db.session.commit()
    login(intruder)
    assert client.post(f"/waitlist/{entry_id}/leave").status_code == 403
    assert client.post(f"/waitlist/{entry_id}/accept", data={"title": "À moi"}
                       ).status_code == 403
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry_id).status == "offered"
    client.post("/logout")
    login(owner)
    page = client.get("/waitlist").get_data(as_text=True)
    assert f"/waitlist/{entry_id}/accept" in page
    response = client.post(f"/waitlist/{entry_id}/accept", data={"title": "Répétition"})
    assert response.status_code == 302 and "/bookings/" in response.headers["Location"]
