"""Notifications: each event writes exactly one row in its own transaction (none when the action
fails), texts in the member's language, iTIP invitations, preferences, reminders across DST,
the digest, and who may read what."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from booking import jobs
from booking.domain import bookings as rules
from booking.domain import ledger
from booking.domain import notifications as outbox
from booking.domain.errors import DomainError
from booking.domain.feed_events import FeedLinks, single_booking_events
from booking.domain.notifications.delivery import mail_context
from booking.extensions import db
from booking.models import Closure, Member, Notification
from tests.conftest import form_time, local

NOW = local(2026, 10, 1, 9)
TZ = "Europe/Brussels"


def rows(kind: str | None = None, member: Member | None = None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    if member:
        query = query.where(Notification.member_id == member.id)
    return list(db.session.execute(query).scalars())


def book(space, member, day=5, hour=10, hours=2, **kw):
    booking = rules.create_booking(db.session, space=space, member=member,
                                   start=local(2026, 10, day, hour),
                                   end=local(2026, 10, day, hour + hours), title="Répétition",
                                   now=NOW, tz=TZ, **kw)
    db.session.commit()
    return booking


def captured_mails(app, now=NOW):
    sent = []
    jobs.run_delivery(app, now, send=sent.append)
    return sent


def calendars(message) -> list[Calendar]:
    return [Calendar.from_ical(part.get_content()) for part in message.iter_attachments()
            if part.get_content_type() == "text/calendar"]


# --- each event, once, in its transaction -----------------------------------------------------

def test_a_confirmed_booking_writes_one_confirmation(app, member, comanager, make_space):
    booking = book(make_space(), member)
    [row] = rows()
    assert (row.kind, row.member_id, row.booking_id, row.email_state) == (
        "booking_confirmed", member.id, booking.id, "pending")
    assert row.link == f"/bookings/{booking.id}"


def test_a_refused_booking_notifies_nobody(app, member, comanager, make_space):
    space = make_space()
    book(space, member)
    with pytest.raises(rules.BookingConflict):
        book(space, member)
    db.session.rollback()
    assert len(rows()) == 1


def test_a_rolled_back_action_leaves_no_notification(app, member, make_space):
    space = make_space()
    rules.create_booking(db.session, space=space, member=member, start=local(2026, 10, 5, 10),
                         end=local(2026, 10, 5, 12), title="x", now=NOW, tz=TZ)
    db.session.rollback()
    assert rows() == []


def test_pending_booking_tells_the_member_and_each_comanager_once(app, member, comanager,
                                                                  admin, make_space):
    book(make_space(needs_approval=True), member)
    assert [r.member_id for r in rows("booking_pending")] == [member.id]
    assert sorted(r.member_id for r in rows("approval_needed")) == sorted(
        [comanager.id, admin.id])
    assert len(rows()) == 3


def test_approval_and_rejection_with_reason(app, member, comanager, make_space):
    space = make_space(needs_approval=True)
    first, second = book(space, member, day=5), book(space, member, day=6)
    rules.approve_booking(db.session, first, actor=comanager, now=NOW)
    db.session.commit()
    with pytest.raises(DomainError):
        rules.reject_booking(db.session, second, actor=comanager, reason=" ", now=NOW)
    db.session.rollback()
    assert rows("booking_rejected") == []
    rules.reject_booking(db.session, second, actor=comanager, reason="Salle réservée au gala",
                         now=NOW)
    db.session.commit()
    assert [r.booking_id for r in rows("booking_approved")] == [first.id]
    [rejected] = rows("booking_rejected")
    assert rejected.params["reason"] == "Salle réservée au gala"


def test_cancelled_by_a_comanager_says_why_but_not_when_the_member_cancels(
        app, member, comanager, make_space):
    space = make_space()
    mine, theirs = book(space, member, day=5), book(space, member, day=6)
    rules.cancel_booking(db.session, mine, actor=member, reason="", now=NOW)
    db.session.commit()
    assert rows("booking_cancelled") == []
    rules.cancel_booking(db.session, theirs, actor=comanager, reason="Travaux", now=NOW)
    db.session.commit()
    [row] = rows("booking_cancelled")
    assert (row.member_id, row.params["reason"], row.params["by"]) == (
        member.id, "Travaux", comanager.name)


def test_changed_by_a_comanager_is_told_with_the_new_time(app, member, comanager, make_space):
    booking = book(make_space(), member)
    rules.update_booking(db.session, booking, actor=comanager, start=local(2026, 10, 5, 14),
                         end=local(2026, 10, 5, 16), title="Répétition", note="", now=NOW,
                         tz=TZ)
    db.session.commit()
    [row] = rows("booking_changed")
    assert row.params["start"] == local(2026, 10, 5, 14).isoformat()
    assert row.params["sequence"] == 1


def test_closure_cancellation_is_a_notification_not_a_mail_in_the_request(
        app, client, login, member, comanager, make_space, make_booking):
    space = make_space()
    make_booking(space, member, local(2030, 3, 4, 18), local(2030, 3, 4, 20))
    login(comanager)
    client.post("/spaces/closures", data={
        "space_id": space.id, "start": form_time(local(2030, 3, 4, 8)),
        "end": form_time(local(2030, 3, 5, 8)), "reason": "Dégât des eaux"})
    closure = db.session.execute(select(Closure)).scalar_one()
    client.post(f"/spaces/closures/{closure.id}", data={"message": "Désolés", "confirmed": "yes"})
    assert app.extensions.get("outbox", []) == []  # nothing sent inside the request
    [row] = rows("booking_cancelled")
    assert (row.params["closure"], row.params["closure_reason"], row.params["reason"]) == (
        True, "Dégât des eaux", "Désolés")
    [mail] = captured_mails(app)
    assert "Dégât des eaux" in mail.get_body(("plain",)).get_content()


def test_series_partly_booked_lists_the_skipped_dates(app, member, make_space, make_booking):
    space = make_space()
    make_booking(space, member, local(2026, 10, 12, 10), local(2026, 10, 12, 12))
    db.session.execute(select(Notification)).all()
    rules.create_series(db.session, space=space, member=member,
                        first=(local(2026, 10, 5, 10), local(2026, 10, 5, 12)), freq="weekly",
                        interval=1, count=3, until=None, title="Répétition", note="", now=NOW,
                        tz=TZ)
    db.session.commit()
    [row] = rows()
    assert row.kind == "series_partly_booked"
    assert row.params["booked"] == 2
    assert [s["start"] for s in row.params["skipped"]] == [local(2026, 10, 12, 10).isoformat()]


def test_one_date_of_a_series_booked_reads_in_the_singular(app, member, make_space,
                                                           make_booking):
    from flask_babel import force_locale

    from booking.domain.notifications.delivery import render
    from booking.domain.notifications.kinds import Formatter

    space = make_space()
    make_booking(space, member, local(2026, 10, 12, 10), local(2026, 10, 12, 12))
    rules.create_series(db.session, space=space, member=member,
                        first=(local(2026, 10, 5, 10), local(2026, 10, 5, 12)), freq="weekly",
                        interval=1, count=2, until=None, title="Répétition", note="", now=NOW,
                        tz=TZ)
    db.session.commit()
    [row] = rows("series_partly_booked")
    with force_locale("fr"):
        _, paragraphs = render(row, Formatter("fr", TZ))
    assert paragraphs[0].startswith(
        "1 date de votre série «\u00a0Répétition\u00a0» est réservée")


def test_payments_recorded_or_confirmed_are_told_once(app, member, comanager):
    ledger.record_payment(db.session, member=member, amount_cents=2500, paid_on=date(2026, 9, 30),
                          method="transfer", reference="sept", actor=comanager)
    declared = ledger.declare_payment(db.session, member=member, amount_cents=1000,
                                      paid_on=date(2026, 9, 29), method="cash", reference="")
    db.session.commit()
    assert [r.kind for r in rows()] == ["payment_recorded"]
    ledger.confirm_payment(db.session, declared, actor=comanager)
    db.session.commit()
    assert [r.kind for r in rows()] == ["payment_recorded", "payment_confirmed"]


# --- the mail ----------------------------------------------------------------------------------

def test_mail_in_the_members_language_with_brussels_times_and_unsubscribe(app, make_member,
                                                                         make_space):
    dutch = make_member(locale="nl", name="Jan")
    book(make_space(name="Studio Zuid"), dutch, day=27, hour=10)  # after the switch to CET
    [mail] = captured_mails(app)
    text = mail.get_body(("plain",)).get_content()
    assert mail["Subject"] == "Reservering bevestigd: Studio Zuid"
    assert "Hallo Jan," in text and "dinsdag 27 oktober 2026, 10:00–12:00" in text
    assert mail["List-Unsubscribe"] == "<http://localhost/notifications/preferences>"
    assert "Mutualise" in mail["From"]
    assert mail.get_body(("html",)).get_content().count("<p>") >= 3


def test_mail_falls_back_to_the_cooperative_language(app, member, make_space):
    book(make_space(name="Studio A"), member)
    [mail] = captured_mails(app)
    assert mail["Subject"] == "Réservation confirmée : Studio A"


def test_itip_request_then_cancel_with_the_feeds_uid_and_sequence(app, member, comanager,
                                                                  make_space):
    booking = book(make_space(), member)
    [confirmation] = captured_mails(app)
    [calendar] = calendars(confirmation)
    [event] = calendar.walk("VEVENT")
    feed_event = single_booking_events(booking, FeedLinks("http://localhost"))[0]
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == feed_event.uid == f"booking-{booking.id}@localhost"
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == booking.start_at

    rules.cancel_booking(db.session, booking, actor=comanager, reason="Travaux", now=NOW)
    db.session.commit()
    [cancellation] = captured_mails(app)
    [calendar] = calendars(cancellation)
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["UID"]) == feed_event.uid
    assert event["SEQUENCE"] == booking.sequence == 1
    assert str(event["STATUS"]) == "CANCELLED"


def test_pending_and_reminder_mails_carry_no_invitation(app, member, make_space):
    book(make_space(needs_approval=True), member)
    [mail] = captured_mails(app)
    assert calendars(mail) == []


# --- preferences -------------------------------------------------------------------------------

def test_preferences_decide_the_channels(app, member, make_space):
    outbox.save_preferences(db.session, member, {
        "booking_confirmed": {"email": False, "app": True},
        "booking_cancelled": {"email": False, "app": False}}, 60)
    db.session.commit()
    space = make_space()
    book(space, member)
    assert captured_mails(app) == []
    [row] = rows()
    assert row.email_state == "skipped"
    assert [r.id for r in outbox.outbox.notifications_of(db.session, member.id)] == [row.id]
    prefs = outbox.preferences_of(db.session, member)
    assert prefs.kinds["booking_confirmed"] == {"email": False, "app": True}
    assert prefs.reminder_minutes == 60
    assert "approval_needed" not in prefs.kinds  # a co-manager's kind


def test_switched_off_everywhere_is_neither_shown_nor_mailed(app, member, comanager,
                                                          make_space):
    booking = book(make_space(), member)
    rules.cancel_booking(db.session, booking, actor=comanager, reason="x", now=NOW)
    db.session.commit()
    outbox.save_preferences(db.session, member, {  # also silences what is still queued
        "booking_cancelled": {"email": False, "app": False}}, 1440)
    db.session.commit()
    assert [m["Subject"] for m in captured_mails(app)] == ["Réservation confirmée : Studio 1"]
    assert [r.kind for r in outbox.outbox.notifications_of(db.session, member.id)] == [
        "booking_confirmed"]
    assert outbox.unread_count(db.session, member.id) == 1


def test_app_off_hides_it_from_the_list_but_mails_it(app, member, make_space):
    outbox.save_preferences(db.session, member, {
        "booking_confirmed": {"email": True, "app": False}}, 1440)
    db.session.commit()
    book(make_space(), member)
    assert outbox.outbox.notifications_of(db.session, member.id) == []
    assert outbox.unread_count(db.session, member.id) == 0
    assert len(captured_mails(app)) == 1


def test_comanager_switches_approvals_to_the_digest_only(app, member, comanager, make_space):
    outbox.save_preferences(db.session, comanager, {
        "approval_needed": {"email": False, "app": False}}, None)
    db.session.commit()
    book(make_space(needs_approval=True), member)
    assert [r.email_state for r in rows("approval_needed")] == ["pending"]
    assert outbox.outbox.notifications_of(db.session, comanager.id) == []
    assert jobs.run_tick(app, local(2026, 10, 1, 8, 5), send=lambda m: None).sent == 2
    [digest] = rows("comanager_digest")
    assert (digest.member_id, digest.params["approvals_count"]) == (comanager.id, 1)


def test_preferences_page_saves_choices(client, login, member):
    login(member)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Rappel avant une réservation" in page
    response = client.post("/notifications/preferences", data={
        "app-booking_confirmed": "on", "reminder_minutes": "120"})
    assert response.status_code == 302
    prefs = outbox.preferences_of(db.session, db.session.get(Member, member.id))
    assert prefs.kinds["booking_confirmed"] == {"email": False, "app": True}
    assert prefs.kinds["booking_reminder"] == {"email": False, "app": False}
    assert prefs.reminder_minutes == 120
    client.post("/notifications/preferences", data={"reminder_minutes": ""})
    db.session.expire_all()
    assert outbox.preferences_of(db.session, member).reminder_minutes is None


# --- reminders and digest ----------------------------------------------------------------------

def test_reminder_once_at_the_right_time_across_the_dst_change(app, member, make_space,
                                                             make_booking):
    """25 October 2026: 10:00 in Brussels is 09:00 UTC; 24 h before is 09:00 UTC the day
    before, which is 11:00 there (summer time)."""
    space = make_space()
    booking = make_booking(space, member, local(2026, 10, 25, 10), local(2026, 10, 25, 12),
                           created_at=local(2026, 10, 1, 9))
    assert booking.start_at.hour == 9
    sent = []
    for moment in (local(2026, 10, 24, 10), local(2026, 10, 24, 10, 59)):
        jobs.run_tick(app, moment, send=sent.append)
    assert sent == []
    for minute in (0, 1, 30):
        jobs.run_tick(app, local(2026, 10, 24, 11, minute), send=sent.append)
    [mail] = sent
    assert "dimanche 25 octobre 2026, 10:00–12:00" in mail.get_body(("plain",)).get_content()
    assert [r.dedupe_key for r in rows("booking_reminder")] == [outbox.reminder_key(booking)]


def test_reminder_honours_the_members_minutes_and_off(app, make_member, make_space,
                                                       make_booking):
    early, never = make_member(), make_member()
    outbox.save_preferences(db.session, early, {}, 60)
    outbox.save_preferences(db.session, never, {}, None)
    db.session.commit()
    space = make_space()
    for person, hour in ((early, 10), (never, 14)):
        make_booking(space, person, local(2026, 10, 6, hour), local(2026, 10, 6, hour + 1),
                     created_at=NOW)
    jobs.run_tick(app, local(2026, 10, 6, 8, 30), send=lambda m: None)
    assert rows("booking_reminder") == []
    jobs.run_tick(app, local(2026, 10, 6, 9, 0), send=lambda m: None)
    assert [r.member_id for r in rows("booking_reminder")] == [early.id]
    jobs.run_tick(app, local(2026, 10, 6, 13, 59), send=lambda m: None)
    assert len(rows("booking_reminder")) == 1


def test_a_moved_booking_is_reminded_for_its_new_time(app, member, comanager, make_space,
                                                     make_booking):
    booking = make_booking(make_space(), member, local(2026, 10, 6, 10),
                           local(2026, 10, 6, 11), created_at=NOW)
    jobs.run_tick(app, local(2026, 10, 5, 10, 0), send=lambda m: None)
    booking = db.session.get(type(booking), booking.id)
    rules.update_booking(db.session, booking, actor=member, start=local(2026, 10, 6, 15),
                         end=local(2026, 10, 6, 16), title="x", note="",
                         now=local(2026, 10, 5, 11), tz=TZ)
    db.session.commit()
    jobs.run_tick(app, local(2026, 10, 5, 15, 0), send=lambda m: None)
    assert len(rows("booking_reminder")) == 2


def test_digest_once_a_day_with_approvals_and_declared_payments(app, member, comanager,
                                                               make_space):
    book(make_space(needs_approval=True), member)
    ledger.declare_payment(db.session, member=member, amount_cents=1000,
                           paid_on=date(2026, 9, 29), method="cash", reference="")
    db.session.commit()
    jobs.run_tick(app, local(2026, 10, 2, 7, 59), send=lambda m: None)
    assert rows("comanager_digest") == []
    sent = []
    for minute in (0, 1, 2):
        jobs.run_tick(app, local(2026, 10, 2, 8, minute), send=sent.append)
    [digest] = rows("comanager_digest")
    assert (digest.params["approvals_count"], digest.params["payments_count"]) == (1, 1)
    jobs.run_tick(app, local(2026, 10, 3, 8, 0) + timedelta(minutes=1), send=sent.append)
    assert len(rows("comanager_digest")) == 2


# --- pages, bell and access --------------------------------------------------------------------

def test_bell_counts_unread_and_the_page_marks_read(client, login, member, make_space,
                                                     count_queries):
    book(make_space(), member)
    book(make_space(), member, day=6)
    login(member)
    page = client.get("/notifications").get_data(as_text=True)
    assert 'class="bell-count" aria-hidden="true">2<' in page
    assert "Réservation confirmée" in page
    with count_queries() as counter:
        client.get("/notifications")
    assert counter.count <= 8
    first = rows()[0]
    response = client.post(f"/notifications/{first.id}/read", data={"open": "1"})
    assert response.headers["Location"].endswith(f"/bookings/{first.booking_id}")
    assert 'class="bell-count" aria-hidden="true">1<' in client.get("/notifications").get_data(
        as_text=True)
    client.post("/notifications/read-all")
    assert "bell-count" not in client.get("/notifications").get_data(as_text=True)


def test_empty_notifications_page_says_what_to_do(client, login, member):
    login(member)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Réserver un espace" in page and "Choisir ce que vous recevez" in page


def test_a_member_cannot_read_or_mark_anothers_notification(client, login, make_member,
                                                            make_space, api, token_for):
    owner, other = make_member(), make_member()
    book(make_space(), owner)
    [row] = rows()
    login(other)
    assert row.kind not in client.get("/notifications").get_data(as_text=True)
    assert client.post(f"/notifications/{row.id}/read").status_code == 404
    headers = token_for(other)
    assert api("GET", "/me/notifications", headers).get_json() == {"items": []}
    assert api("POST", f"/me/notifications/{row.id}/read", headers).status_code == 404
    assert rows()[0].read_at is None


def test_dead_letters_page_is_for_admins_and_retries(client, login, member, admin, make_space):
    book(make_space(), member)
    app = client.application
    with app.app_context():
        for attempt in range(app.config["NOTIFY_MAX_ATTEMPTS"] + 2):
            jobs.run_delivery(app, local(2030, 1, 1) + timedelta(days=attempt), send=_refuse)
    [row] = rows()
    assert (row.email_state, row.attempts) == ("dead", 5)
    login(member)
    assert client.get("/admin/notifications/dead").status_code == 403
    assert client.post(f"/admin/notifications/{row.id}/retry").status_code == 403
    client.post("/logout")
    login(admin)
    page = client.get("/admin/notifications/dead").get_data(as_text=True)
    assert "SMTPServerDisconnected" in page
    client.post(f"/admin/notifications/{row.id}/retry")
    [row] = rows()
    assert (row.email_state, row.attempts) == ("pending", 0)
    assert "Tous les e-mails" in client.get("/admin/notifications/dead").get_data(as_text=True)


def _refuse(message):
    import smtplib

    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


# --- API ---------------------------------------------------------------------------------------

def test_api_lists_marks_read_and_sets_preferences(api, token_for, member, make_space):
    booking = book(make_space(name="Studio A"), member)
    headers = token_for(member)
    body = api("GET", "/me/notifications?unread=true", headers).get_json()
    [item] = body["items"]
    assert item["kind"] == "booking_confirmed" and item["read"] is False
    assert item["booking_id"] == booking.id and item["link"] == f"/bookings/{booking.id}"
    assert item["title"] == "Réservation confirmée : Studio A"
    read = api("POST", f"/me/notifications/{item['id']}/read", headers)
    assert read.status_code == 200 and read.get_json()["read"] is True
    assert api("GET", "/me/notifications?unread=true", headers).get_json() == {"items": []}
    assert len(api("GET", "/me/notifications", headers).get_json()["items"]) == 1

    prefs = api("GET", "/me/notification-preferences", headers).get_json()
    assert prefs["reminder_minutes"] == 1440
    assert prefs["kinds"]["booking_approved"] == {"email": True, "app": True}
    changed = api("PUT", "/me/notification-preferences", headers, json={
        "kinds": {"booking_approved": {"email": False, "app": True}}, "reminder_minutes": None})
    assert changed.status_code == 200
    assert changed.get_json()["kinds"]["booking_approved"] == {"email": False, "app": True}
    assert changed.get_json()["reminder_minutes"] is None
    refused = api("PUT", "/me/notification-preferences", headers, json={
        "kinds": {"no_such_kind": {"email": True, "app": True}}})
    assert refused.status_code == 422


def test_mail_context_reads_the_cooperative(app):
    context = mail_context(db.session)
    assert (context.coop_name, context.timezone, context.max_attempts) == (
        "Mutualise", "Europe/Brussels", 5)


def test_closing_a_month_tells_each_member_their_statement_is_ready(app, make_member):
    member, boss = make_member(), make_member("comanager")
    ledger.close_month(db.session, date(2026, 3, 1), actor=boss)
    db.session.commit()
    notes = outbox.notifications_of(db.session, member.id)
    assert [n.kind for n in notes] == ["statement_ready"]
    assert notes[0].link == "/ledger/statement"
    db.session.rollback()
    with pytest.raises(ledger.LedgerError):
        ledger.close_month(db.session, date(2026, 3, 1), actor=boss)
    db.session.rollback()
    assert len(outbox.notifications_of(db.session, member.id)) == 1
