"""The co-managers' view of the waiting lists: every line by space and time, who waits in
which order, the offers held and until when, the auto-book choice; a co-manager takes an
entry off with a reason the member reads. Members reach none of it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.domain import bookings as rules
from booking.domain import waitlist
from booking.extensions import db
from booking.models import AuditEvent, Notification, WaitlistEntry
from tests.conftest import local

NOW = local(2026, 11, 30, 9)  # a Monday
TZ = "Europe/Brussels"


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def _wait(space, member, auto_book=False, start=(18, 0), end=(20, 0), day=1):
    entry = waitlist.join_waitlist(
        db.session, space=space, member=member, start=local(2026, 12, day, *start),
        end=local(2026, 12, day, *end), auto_book=auto_book, now=NOW, tz=TZ)
    db.session.commit()
    return entry


def _notices(member):
    return db.session.execute(select(Notification).where(
        Notification.member_id == member.id).order_by(Notification.id)).scalars().all()


# --- the page --------------------------------------------------------------------------------

def test_the_page_says_what_it_will_show_when_nobody_waits(client, login, comanager):
    login(comanager)
    page = client.get("/waitlist/lines").get_data(as_text=True)
    assert "Personne n’attend" in page and "qui attend dans quel ordre" in page


def test_comanagers_see_each_line_in_order_with_offers_and_auto_book(
        client, login, comanager, make_member, make_space, make_booking, taken):
    space, holder, booking = taken
    first, second = make_member(name="Noé Premier"), make_member(name="Zoé Seconde")
    _wait(space, first)
    _wait(space, second, auto_book=True, start=(19, 0))
    hall = make_space(name="Atelier")
    make_booking(hall, holder, local(2026, 12, 2, 10), local(2026, 12, 2, 12))
    third = make_member(name="Ugo Troisième")
    _wait(hall, third, start=(10, 0), end=(12, 0), day=2)
    rules.cancel_booking(db.session, booking, actor=holder, reason="", now=NOW)
    db.session.commit()  # the studio frees: Noé is offered it, Zoé waits behind
    login(comanager)
    page = client.get("/waitlist/lines").get_data(as_text=True)
    assert page.index("Atelier") < page.index("Ugo Troisième") < page.index(">Studio<") \
        < page.index("Noé Premier") < page.index("Zoé Seconde")
    studio = page[page.index(">Studio<"):]
    noe = studio[studio.index("Noé Premier") - 400:studio.index("Zoé Seconde")]
    assert "Proposé, réservé jusqu’au" in noe
    assert "11:00" in noe  # the 2 h offer of 9:00
    zoe = studio[studio.index("Zoé Seconde"):]
    assert "La réserver pour lui ou elle" in zoe and "En attente" in zoe
    assert 'name="reason"' in page and "/remove" in page
    spaces_page = client.get("/spaces/").get_data(as_text=True)
    assert "/waitlist/lines" in spaces_page


def test_the_page_runs_as_many_queries_for_ten_entries_as_for_two(
        client, login, comanager, make_member, make_space, make_booking, count_queries):
    holder = make_member()
    spaces = [make_space() for _ in range(5)]
    for space in spaces:
        make_booking(space, holder, local(2026, 12, 1, 18), local(2026, 12, 1, 20))
    login(comanager)

    def counted():
        with count_queries() as counter:
            assert client.get("/waitlist/lines").status_code == 200
        return counter.count

    for space in spaces[:2]:
        _wait(space, make_member())
    with_two = counted()
    for space in spaces:
        for _ in range(2 if space in spaces[:3] else 1):
            _wait(space, make_member())
    assert len(db.session.execute(select(WaitlistEntry)).all()) == 10
    assert counted() == with_two


def test_comanager_removes_an_entry_with_a_reason_the_member_reads(
        client, login, comanager, make_member, taken):
    space, _holder, _booking = taken
    waiting = make_member(name="Noé")
    entry_id = _wait(space, waiting).id
    login(comanager)
    refused = client.post(f"/waitlist/{entry_id}/remove", data={"reason": ""})
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry_id).status == "waiting"
    response = client.post(f"/waitlist/{entry_id}/remove",
                           data={"reason": "Réservé aux membres actifs"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Noé n’est plus sur la liste d’attente" in page
    assert "Personne n’attend" in page
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry_id).status == "removed"
    notice = _notices(waiting)[-1]
    assert notice.kind == "waitlist_removed"
    assert notice.params["reason"] == "Réservé aux membres actifs"
    assert notice.params["by"] == comanager.name
    audit = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "waitlist.remove")).scalar_one()
    assert (audit.object_id, audit.actor_id) == (entry_id, comanager.id)
    client.post("/logout")
    login(waiting)
    told = client.get("/notifications").get_data(as_text=True)
    assert "Réservé aux membres actifs" in told
    mine = client.get("/waitlist").get_data(as_text=True)
    assert "Retirée par un cogestionnaire" in mine and "Quittée" not in mine
    assert client.post(f"/waitlist/{entry_id}/remove", data={"reason": "Encore"}
                       ).status_code == 403


def test_removing_a_held_offer_passes_it_to_the_next(client, login, comanager, make_member,
                                                     taken):
    space, holder, booking = taken
    first, second = make_member(), make_member()
    first_id = _wait(space, first).id
    second_id = _wait(space, second).id
    rules.cancel_booking(db.session, booking, actor=holder, reason="", now=NOW)
    db.session.commit()
    assert db.session.get(WaitlistEntry, first_id).status == "offered"
    login(comanager)
    client.post(f"/waitlist/{first_id}/remove", data={"reason": "Doublon"})
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, first_id).status == "removed"
    assert db.session.get(WaitlistEntry, second_id).status == "offered"
    assert "waitlist_offer" in [n.kind for n in _notices(second)]
    # Removing it again says it is no longer waiting, and changes nothing.
    again = client.post(f"/waitlist/{first_id}/remove", data={"reason": "Doublon"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Cette inscription n’attend plus" in again


def test_members_reach_neither_the_lines_nor_the_removal(client, login, make_member, taken):
    space, _holder, _booking = taken
    owner, other = make_member(), make_member()
    entry_id = _wait(space, owner).id
    login(other)
    assert client.get("/waitlist/lines").status_code == 403
    assert client.post(f"/waitlist/{entry_id}/remove", data={"reason": "Moi"}
                       ).status_code == 403
    assert "/waitlist/lines" not in client.get("/spaces/").get_data(as_text=True)
    client.post("/logout")
    login(owner)  # not even one's own entry: a member leaves the line instead
    assert client.post(f"/waitlist/{entry_id}/remove", data={"reason": "Moi"}
                       ).status_code == 403
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry_id).status == "waiting"


# --- the API ---------------------------------------------------------------------------------

def test_api_lists_every_open_entry_for_comanagers_only(api, token_for, comanager,
                                                        make_member, taken):
    space, _holder, _booking = taken
    first, second = make_member(), make_member()
    one, two = _wait(space, first), _wait(space, second, auto_book=True)
    left = _wait(space, make_member(), start=(18, 30))
    waitlist.leave_waitlist(db.session, left, actor=left.member, now=NOW)
    db.session.commit()
    listed = api("GET", "/waitlist", token_for(comanager))
    assert listed.status_code == 200
    assert [(e["id"], e["member_id"], e["position"], e["auto_book"]) for e in listed.json] == [
        (one.id, first.id, 1, False), (two.id, second.id, 2, True)]
    assert api("GET", "/waitlist", token_for(first)).status_code == 403


def test_api_removal_needs_a_reason_and_a_comanager(api, token_for, comanager, make_member,
                                                    taken):
    space, _holder, _booking = taken
    waiting = make_member()
    entry_id = _wait(space, waiting).id
    path = f"/waitlist/{entry_id}/remove"
    assert api("POST", path, token_for(waiting), json={"reason": "x"}).status_code == 403
    assert api("POST", path, token_for(comanager), json={}).status_code == 422
    assert api("POST", path, token_for(comanager), json={"reason": "  "}).status_code == 422
    removed = api("POST", path, token_for(comanager), json={"reason": "Doublon"})
    assert removed.status_code == 200 and removed.json["status"] == "removed"
    assert _notices(waiting)[-1].kind == "waitlist_removed"
    assert api("POST", path, token_for(comanager), json={"reason": "Doublon"}
               ).status_code == 409


def test_a_comanager_deleting_someones_entry_takes_them_off_and_tells_them(
        api, token_for, comanager, make_member, taken):
    space, _holder, _booking = taken
    waiting, left = make_member(), make_member()
    entry_id, left_id = _wait(space, waiting).id, _wait(space, left, start=(18, 30)).id
    assert api("DELETE", f"/waitlist/{left_id}", token_for(left)).status_code == 204
    assert api("DELETE", f"/waitlist/{entry_id}", token_for(comanager)).status_code == 204
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry_id).status == "removed"
    assert db.session.get(WaitlistEntry, left_id).status == "cancelled"  # left by the member
    notice = _notices(waiting)[-1]
    assert notice.kind == "waitlist_removed" and notice.params["by"] == comanager.name
    assert not notice.params["reason"]
    assert "waitlist_removed" not in [n.kind for n in _notices(left)]
    audit = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "waitlist.remove")).scalar_one()
    assert (audit.object_id, audit.actor_id) == (entry_id, comanager.id)
    statuses = {e["id"]: e["status"] for e in api("GET", "/me/waitlist", token_for(waiting)).json}
    assert statuses == {entry_id: "removed"}
    assert api("DELETE", f"/waitlist/{entry_id}", token_for(comanager)).status_code == 409


def test_the_openapi_document_describes_the_comanagers_waitlist(api):
    paths = api("GET", "/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/waitlist"] and "post" in paths["/api/v1/waitlist"]
    assert "post" in paths["/api/v1/waitlist/{entry_id}/remove"]
