"""Members book spaces; every refusal says why and writes nothing."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Booking, RefusedBooking
from tests.conftest import form_time, local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Brussels


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def _book(client, space, start, end, title="Répétition", **extra):
    return client.post("/bookings/new", data={
        "space_id": space.id, "start": form_time(start), "end": form_time(end), "title": title,
        "note": "", "repeat": "none", **extra})


def _count(model=Booking, *where):
    return db.session.execute(select(func.count(model.id)).where(*where)).scalar()


def _assert_booked(response, member, start, end):
    """The booking was written for that member and the member is sent to its page."""
    booking = db.session.execute(select(Booking).where(Booking.start_at == start)).scalar_one()
    assert (booking.end_at, booking.member_id, booking.status) == (end, member.id, "confirmed")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bookings/{booking.id}"


def test_member_books_a_free_slot(client, login, member, make_space):
    space = make_space()
    login(member)
    response = _book(client, space, local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    assert response.status_code == 302
    booking = db.session.execute(select(Booking)).scalar_one()
    assert (booking.start_at, booking.end_at) == (local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    assert booking.status == "confirmed" and booking.member_id == member.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "18:00" in page and "20:00" in page


@pytest.mark.parametrize("start, end, space_fields, message", [
    (local(2026, 3, 4, 20), local(2026, 3, 4, 18), {}, "La fin doit"),
    (local(2026, 3, 4, 18, 10), local(2026, 3, 4, 20), {}, "grille de 30 minutes"),
    (local(2026, 3, 4, 18), local(2026, 3, 4, 19), {"min_minutes": 120}, "au moins 2 h"),
    (local(2026, 3, 4, 10), local(2026, 3, 4, 20), {"max_minutes": 240}, "au plus 4 h"),
    (local(2026, 3, 4, 6), local(2026, 3, 4, 9), {}, "fermé"),
    (local(2026, 3, 1, 18), local(2026, 3, 1, 20), {}, "déjà passé"),
    (local(2026, 7, 1, 18), local(2026, 7, 1, 20), {}, "90 jours"),
    (local(2026, 3, 2, 10), local(2026, 3, 2, 12), {"notice_minutes": 24 * 60}, "à l’avance"),
])
def test_each_broken_rule_gets_its_message_and_nothing_is_written(
        client, login, member, make_space, start, end, space_fields, message):
    space = make_space(**space_fields)
    login(member)
    response = _book(client, space, start, end)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count() == 0


def test_closed_sunday_is_refused(client, login, member, make_space):
    weekdays_only = {d: [["08:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    space = make_space(opening_hours=weekdays_only)
    login(member)
    response = _book(client, space, local(2026, 3, 8, 10), local(2026, 3, 8, 12))
    assert "fermé" in response.get_data(as_text=True)
    assert _count() == 0


def test_booking_may_span_two_adjacent_opening_ranges(client, login, member, make_space):
    split = {d: [["08:00", "12:00"], ["12:00", "18:00"]] for d in ("mon", "tue", "wed", "thu",
                                                                   "fri", "sat", "sun")}
    space = make_space(opening_hours=split)
    login(member)
    response = _book(client, space, local(2026, 3, 4, 11), local(2026, 3, 4, 13))
    _assert_booked(response, member, local(2026, 3, 4, 11), local(2026, 3, 4, 13))


def test_overlap_is_refused_with_the_nearest_free_times(client, login, member, make_member,
                                                         make_space, make_booking):
    space = make_space(buffer_minutes=30)
    make_booking(space, make_member(), local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    login(member)
    response = _book(client, space, local(2026, 3, 4, 20), local(2026, 3, 4, 21))
    body = response.get_data(as_text=True)
    assert "déjà pris" in body
    assert "20:30" in body  # the buffer pushes the nearest free start to 20:30
    assert _count() == 1
    refused = db.session.execute(select(RefusedBooking)).scalar_one()
    assert (refused.reason, refused.member_id, refused.space_id) == (
        "conflict", member.id, space.id)


def test_touching_bookings_are_accepted_without_buffer(client, login, member, make_member,
                                                        make_space, make_booking):
    space = make_space()
    make_booking(space, make_member(), local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    login(member)
    response = _book(client, space, local(2026, 3, 4, 20), local(2026, 3, 4, 21))
    _assert_booked(response, member, local(2026, 3, 4, 20), local(2026, 3, 4, 21))
    assert _count() == 2


def test_cancelled_bookings_free_the_slot(client, login, member, make_member, make_space,
                                           make_booking):
    space = make_space()
    make_booking(space, make_member(), local(2026, 3, 4, 18), local(2026, 3, 4, 20),
                 status="cancelled")
    login(member)
    response = _book(client, space, local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    booking = db.session.execute(select(Booking).where(Booking.member_id == member.id)
                                 ).scalar_one()
    assert (booking.start_at, booking.status) == (local(2026, 3, 4, 18), "confirmed")
    assert response.headers["Location"] == f"/bookings/{booking.id}"
    assert _count() == 2


def test_closure_refuses_bookings_and_is_recorded(client, login, member, comanager, make_space):
    space = make_space()
    login(comanager)
    client.post("/spaces/closures", data={
        "space_id": 0, "start": form_time(local(2026, 3, 10, 8)),
        "end": form_time(local(2026, 3, 11, 8)), "reason": "Travaux électriques"})
    client.post("/logout")
    login(member)
    response = _book(client, space, local(2026, 3, 10, 18), local(2026, 3, 10, 20))
    assert "Travaux électriques" in response.get_data(as_text=True)
    assert _count() == 0
    assert db.session.execute(select(RefusedBooking.reason)).scalar_one() == "closure"


def test_archived_space_takes_no_booking(client, login, member, make_space):
    make_space(name="Studio ouvert")
    space = make_space(active=False, name="Salle archivée")
    login(member)
    response = _book(client, space, local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="space_id-error">N&#39;est pas un choix valide.' in body
    assert "Studio ouvert" in body and "Salle archivée" not in body  # not offered
    assert _count() == 0


def test_booking_on_approval_space_waits_and_holds_the_slot(client, login, member, make_member,
                                                             make_space):
    space = make_space(needs_approval=True)
    login(member)
    _book(client, space, local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    booking = db.session.execute(select(Booking)).scalar_one()
    assert booking.status == "pending"
    client.post("/logout")
    login(make_member())
    response = _book(client, space, local(2026, 3, 4, 19), local(2026, 3, 4, 21))
    assert "déjà pris" in response.get_data(as_text=True)


def test_comanager_approves_and_rejects_with_a_reason(client, login, comanager, member,
                                                      make_space, make_booking):
    space = make_space(needs_approval=True)
    first = make_booking(space, member, local(2026, 3, 4, 18), local(2026, 3, 4, 20),
                         status="pending")
    second = make_booking(space, member, local(2026, 3, 5, 18), local(2026, 3, 5, 20),
                          status="pending")
    login(comanager)
    assert "Répétition" in client.get("/bookings/approvals").get_data(as_text=True)
    client.post(f"/bookings/{first.id}/approve")
    client.post(f"/bookings/{second.id}/reject", data={"reason": ""})
    db.session.refresh(second)
    assert second.status == "pending"  # a rejection needs a reason
    client.post(f"/bookings/{second.id}/reject", data={"reason": "Atelier réservé au montage"})
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, first.sequence) == ("confirmed", 1)
    assert (second.status, second.decision_reason) == ("rejected", "Atelier réservé au montage")


def test_member_cannot_approve_or_touch_another_members_booking(client, login, member,
                                                                 make_member, make_space,
                                                                 make_booking):
    space = make_space(needs_approval=True)
    other = make_booking(space, make_member(), local(2026, 3, 4, 18), local(2026, 3, 4, 20),
                         status="pending")
    login(member)
    assert client.get("/bookings/approvals").status_code == 403
    assert client.post(f"/bookings/{other.id}/approve").status_code == 403
    assert client.post(f"/bookings/{other.id}/reject", data={"reason": "x"}).status_code == 403
    assert client.get(f"/bookings/{other.id}").status_code == 403
    assert client.get(f"/bookings/{other.id}/edit").status_code == 403
    assert client.post(f"/bookings/{other.id}/cancel", data={"scope": "one"}).status_code == 403
    db.session.refresh(other)
    assert (other.status, other.sequence) == ("pending", 0)


def test_member_moves_own_booking_and_the_sequence_is_bumped(client, login, member, make_space,
                                                              make_booking):
    space = make_space()
    booking = make_booking(space, member, local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    login(member)
    response = client.post(f"/bookings/{booking.id}/edit", data={
        "start": form_time(local(2026, 3, 5, 18)), "end": form_time(local(2026, 3, 5, 21)),
        "title": "Répétition générale", "note": "", "scope": "one"})
    assert response.status_code == 302
    db.session.refresh(booking)
    assert (booking.start_at, booking.end_at) == (local(2026, 3, 5, 18), local(2026, 3, 5, 21))
    assert (booking.title, booking.sequence) == ("Répétition générale", 1)


def test_move_onto_a_taken_slot_changes_nothing(client, login, member, make_member, make_space,
                                                make_booking):
    space = make_space()
    booking = make_booking(space, member, local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    make_booking(space, make_member(), local(2026, 3, 5, 18), local(2026, 3, 5, 20))
    login(member)
    response = client.post(f"/bookings/{booking.id}/edit", data={
        "start": form_time(local(2026, 3, 5, 19)), "end": form_time(local(2026, 3, 5, 21)),
        "title": "X", "note": "", "scope": "one"})
    assert "déjà pris" in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert (booking.start_at, booking.title, booking.sequence) == (
        local(2026, 3, 4, 18), "Répétition", 0)


def test_cancel_keeps_the_row_and_marks_late_cancellations(client, login, member, make_space,
                                                            make_booking):
    space = make_space(cancel_notice_hours=48)
    early = make_booking(space, member, local(2026, 3, 10, 18), local(2026, 3, 10, 20))
    late = make_booking(space, member, local(2026, 3, 3, 18), local(2026, 3, 3, 20))
    login(member)
    client.post(f"/bookings/{early.id}/cancel", data={"reason": "Concert annulé", "scope": "one"})
    response = client.post(f"/bookings/{late.id}/cancel", data={"reason": "", "scope": "one"},
                           follow_redirects=True)
    assert "tardive" in response.get_data(as_text=True)
    db.session.refresh(early)
    db.session.refresh(late)
    assert (early.status, early.late_cancellation, early.cancel_reason) == (
        "cancelled", False, "Concert annulé")
    assert early.cancelled_by_id == member.id and early.sequence == 1
    assert (late.status, late.late_cancellation) == ("cancelled", True)
    assert _count() == 2



def test_cancel_page_warns_only_inside_the_spaces_notice(client, login, member, make_space,
                                                         make_booking):
    space = make_space(cancel_notice_hours=48)  # now is Monday 09:00
    inside = make_booking(space, member, local(2026, 3, 4, 8), local(2026, 3, 4, 10))
    outside = make_booking(space, member, local(2026, 3, 4, 10), local(2026, 3, 4, 12))
    login(member)
    warning = "cette annulation est tardive"
    assert warning in client.get(f"/bookings/{inside.id}/cancel").get_data(as_text=True)
    assert warning not in client.get(f"/bookings/{outside.id}/cancel").get_data(as_text=True)
    assert _count() == 2

def test_a_one_hour_notice_reads_in_the_singular(client, login, member, make_space,
                                                make_booking):
    space = make_space(cancel_notice_hours=1)  # now is Monday 09:00
    soon = make_booking(space, member, local(2026, 3, 2, 9, 30), local(2026, 3, 2, 10, 30))
    login(member)
    cancel = client.get(f"/bookings/{soon.id}/cancel").get_data(as_text=True)
    assert "Il reste moins de 1 heure avant le début" in cancel
    new = client.get(f"/bookings/new?space={space.id}").get_data(as_text=True)
    assert "Annulez au moins 1 heure à l’avance" in new


def test_comanager_can_cancel_any_booking(client, login, comanager, member, make_space,
                                          make_booking):
    booking = make_booking(make_space(), member, local(2026, 3, 10, 18), local(2026, 3, 10, 20))
    login(comanager)
    client.post(f"/bookings/{booking.id}/cancel", data={"reason": "Double emploi", "scope": "one"})
    db.session.refresh(booking)
    assert (booking.status, booking.cancelled_by_id) == ("cancelled", comanager.id)


def test_past_booking_cannot_be_changed(client, login, member, make_space, make_booking):
    booking = make_booking(make_space(), member, local(2026, 2, 10, 18), local(2026, 2, 10, 20))
    login(member)
    client.post(f"/bookings/{booking.id}/cancel", data={"scope": "one"})
    db.session.refresh(booking)
    assert booking.status == "confirmed"


def test_my_bookings_lists_upcoming_and_past(client, login, member, make_space, make_booking):
    space = make_space()
    make_booking(space, member, local(2026, 3, 10, 18), local(2026, 3, 10, 20), title="À venir")
    make_booking(space, member, local(2026, 2, 10, 18), local(2026, 2, 10, 20), title="Passée")
    login(member)
    body = client.get("/bookings/mine").get_data(as_text=True)
    assert body.index("À venir") < body.index("Passée")


def test_dst_switches_book_the_right_instants_and_show_local_times(app, client, login, member,
                                                                   make_space):
    """29 March 2026 (02:00 -> 03:00) and 25 October 2026 (03:00 -> 02:00) in Brussels."""
    space = make_space(max_minutes=600, opening_hours={
        d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    login(member)
    response = _book(client, space, local(2026, 3, 28, 22), local(2026, 3, 29, 4))
    assert response.status_code == 302
    spring = db.session.execute(select(Booking)).scalar_one()
    assert spring.start_at == datetime(2026, 3, 28, 21, 0, tzinfo=UTC)
    assert spring.end_at == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 5 real hours
    page = client.get(f"/bookings/{spring.id}").get_data(as_text=True)
    assert "22:00" in page and "04:00" in page

    app.config["FROZEN_NOW"] = datetime(2026, 10, 1, tzinfo=UTC)
    response = _book(client, space, local(2026, 10, 24, 22), local(2026, 10, 25, 4))
    autumn = db.session.execute(select(Booking).where(Booking.id != spring.id)).scalar_one()
    assert autumn.start_at == datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    assert autumn.end_at == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)  # 7 real hours
    page = client.get(f"/bookings/{autumn.id}").get_data(as_text=True)
    assert "22:00" in page and "04:00" in page


def test_nearest_free_times_are_real_alternatives_that_do_not_overlap(client, login, member,
                                                                      make_member, make_space,
                                                                      make_booking):
    space = make_space(opening_hours={d: [["10:00", "22:00"]] for d in (
        "mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    make_booking(space, make_member(), local(2026, 3, 4, 14), local(2026, 3, 4, 18))
    login(member)
    body = _book(client, space, local(2026, 3, 4, 15), local(2026, 3, 4, 17)).get_data(
        as_text=True)
    assert "battement" not in body  # no buffer here: the message does not mention one
    assert "12:00–14:00" in body and "18:00–20:00" in body  # just before, just after
    assert "12:30–14:30" not in body and "18:30–20:30" not in body


def test_home_page_lists_own_active_bookings_ahead_and_counts_pending_ones(
        client, login, comanager, member, make_space, make_booking, count_queries):
    space = make_space()
    make_booking(space, comanager, local(2026, 3, 3, 18), local(2026, 3, 3, 20), title="À venir")
    make_booking(space, comanager, local(2026, 3, 4, 18), local(2026, 3, 4, 20),
                 title="Annulée", status="cancelled")
    make_booking(space, comanager, local(2026, 2, 20, 18), local(2026, 2, 20, 20),
                 title="Passée")
    make_booking(space, member, local(2026, 3, 5, 18), local(2026, 3, 5, 20),
                 title="Celle du voisin", status="pending")
    make_booking(space, member, local(2026, 2, 21, 18), local(2026, 2, 21, 20),
                 title="Demande passée", status="pending")
    login(comanager)
    with count_queries() as counter:
        body = client.get("/dashboard").get_data(as_text=True)
    assert "À venir" in body
    assert not any(title in body for title in ("Annulée", "Passée", "Celle du voisin"))
    assert '</a> <span class="badge badge-warn">1</span>' in body
    assert counter.count <= 7  # the balance is one SUM
