"""Check-in and no-shows: the booking's button from N minutes before the start, the door
link and its QR code, the scheduled job marking no-shows, what they cost, the report."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.domain import checkin
from booking.domain.usage import usage_by_member
from booking.extensions import db
from booking.jobs import run_desk_jobs
from booking.models import Booking, LedgerEntry, Notification, Space, WaitlistEntry
from tests.conftest import local
from tests.test_spaces import SPACE_FORM

NOW = local(2026, 11, 30, 9)  # a Monday
START = local(2026, 11, 30, 10)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


@pytest.fixture
def door_space(make_space):
    return make_space(name="Studio Nord", checkin_required=True, checkin_opens_minutes=15,
                      checkin_grace_minutes=20, checkin_release=True, no_show_cost="quota")


def _at(app, moment):
    app.config["FROZEN_NOW"] = moment


def test_the_button_appears_from_the_opening_and_checks_in(app, client, login, member,
                                                           door_space, make_booking):
    booking = make_booking(door_space, member, START, START + timedelta(hours=2))
    login(member)
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert f"/bookings/{booking.id}/check-in" not in page
    assert client.post(f"/bookings/{booking.id}/check-in").status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).checked_in_at is None  # refused: too early
    _at(app, START - timedelta(minutes=15))
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert f"/bookings/{booking.id}/check-in" in page
    response = client.post(f"/bookings/{booking.id}/check-in", follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).checked_in_at == START - timedelta(minutes=15)
    assert f"/bookings/{booking.id}/check-in" not in response.get_data(as_text=True)


def test_another_member_cannot_check_in_for_you(app, client, login, make_member, door_space,
                                                make_booking):
    owner, other = make_member(), make_member()
    booking = make_booking(door_space, owner, START, START + timedelta(hours=2))
    _at(app, START)
    login(other)
    assert client.post(f"/bookings/{booking.id}/check-in").status_code == 403
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).checked_in_at is None


def test_the_door_link_opens_the_members_current_booking(app, client, login, make_member,
                                                         door_space, make_booking):
    owner, other = make_member(), make_member()
    booking = make_booking(door_space, owner, START, START + timedelta(hours=2))
    door = f"/spaces/{door_space.id}/check-in"
    assert client.get(door).status_code == 302  # to the login page
    assert "/login" in client.get(door).headers["Location"]
    _at(app, START - timedelta(minutes=10))
    login(owner)
    response = client.get(door)
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}")
    client.post("/logout")
    login(other)
    page = client.get(door).get_data(as_text=True)
    assert "Studio Nord" in page and f"/bookings/{booking.id}" not in page


def test_comanagers_print_the_qr_code_members_cannot(client, login, member, comanager,
                                                    door_space):
    login(member)
    assert client.get(f"/spaces/{door_space.id}/door").status_code == 403
    client.post("/logout")
    login(comanager)
    page = client.get(f"/spaces/{door_space.id}/door").get_data(as_text=True)
    assert "<svg" in page and f"/spaces/{door_space.id}/check-in" in page


def test_a_no_show_frees_the_rest_and_counts_in_the_quota(app, make_member, door_space,
                                                          make_booking):
    member, waiting = make_member(), make_member()
    booking = make_booking(door_space, member, START, START + timedelta(hours=2))
    waitlist_entry = WaitlistEntry(space_id=door_space.id, member_id=waiting.id,
                                   start_at=START + timedelta(hours=1),
                                   end_at=START + timedelta(hours=2), auto_book=False,
                                   status="waiting", created_at=NOW, updated_at=NOW)
    db.session.add(waitlist_entry)
    db.session.commit()
    assert run_desk_jobs(START + timedelta(minutes=19)) == (0, 0)  # still in the grace
    assert run_desk_jobs(START + timedelta(minutes=20)) == (1, 0)
    assert run_desk_jobs(START + timedelta(minutes=21)) == (0, 0)  # marked once
    db.session.expire_all()
    marked = db.session.get(Booking, booking.id)
    assert marked.no_show_at == START + timedelta(minutes=20)
    assert (marked.status, marked.late_cancellation) == ("cancelled", True)
    # The hours still count (as a late cancellation's), and the rest of the slot is offered.
    used = usage_by_member(db.session, local(2026, 11, 1), local(2026, 12, 1))
    assert [(r.member_id, r.minutes) for r in used] == [(member.id, 120)]
    assert db.session.get(WaitlistEntry, waitlist_entry.id).status == "offered"
    kinds = db.session.execute(select(Notification.kind).where(
        Notification.member_id == member.id)).scalars().all()
    assert "booking_no_show" in kinds


def test_a_checked_in_booking_is_never_a_no_show(app, client, login, member, door_space,
                                                 make_booking):
    booking = make_booking(door_space, member, START, START + timedelta(hours=2))
    checkin.check_in(db.session, db.session.get(Booking, booking.id), member=member,
                     now=START)
    db.session.commit()
    assert run_desk_jobs(START + timedelta(hours=1)) == (0, 0)


def test_a_no_show_fee_goes_to_the_ledger_and_the_hours_do_not_count(
        app, make_member, make_space, make_booking):
    space = make_space(checkin_required=True, checkin_grace_minutes=15, checkin_release=True,
                       no_show_cost="fee", no_show_fee_cents=1500)
    member = make_member()
    booking = make_booking(space, member, START, START + timedelta(hours=2))
    assert run_desk_jobs(START + timedelta(minutes=15)) == (1, 0)
    entry = db.session.execute(select(LedgerEntry)).scalar_one()
    assert (entry.member_id, entry.amount_cents, entry.kind) == (member.id, 1500, "fee")
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).late_cancellation is False
    assert usage_by_member(db.session, local(2026, 11, 1), local(2026, 12, 1)) == []


def test_without_release_the_booking_keeps_its_slot(app, make_member, make_space,
                                                    make_booking):
    space = make_space(checkin_required=True, checkin_grace_minutes=15, checkin_release=False)
    member = make_member()
    booking = make_booking(space, member, START, START + timedelta(hours=2))
    run_desk_jobs(START + timedelta(minutes=30))
    db.session.expire_all()
    kept = db.session.get(Booking, booking.id)
    assert kept.status == "confirmed" and kept.no_show_at is not None


def test_spaces_without_check_in_have_no_no_shows(app, member, make_space, make_booking):
    make_booking(make_space(), member, START, START + timedelta(hours=2))
    assert run_desk_jobs(START + timedelta(hours=1)) == (0, 0)


def test_the_usage_report_lists_no_shows_per_member_and_space(app, client, login, comanager,
                                                              make_member, door_space,
                                                              make_booking):
    lea = make_member(name="Léa Absente")
    make_booking(door_space, lea, START, START + timedelta(hours=2))
    run_desk_jobs(START + timedelta(minutes=20))
    login(comanager)
    page = client.get("/usage/?period=month&date=2026-11-15").get_data(as_text=True)
    section = page[page.index('id="no-shows"'):]
    assert "Léa Absente" in section and "Studio Nord" in section
    csv_text = client.get("/usage/no-shows.csv?period=month&date=2026-11-15").get_data(
        as_text=True)
    assert "Léa Absente,Studio Nord,1,2.00" in csv_text


def test_members_cannot_read_the_no_show_report(client, login, member):
    login(member)
    assert client.get("/usage/no-shows.csv").status_code == 403
    assert client.get("/usage/equipment.csv").status_code == 403


def test_the_cli_command_marks_no_shows(app, runner, member, door_space, make_booking):
    make_booking(door_space, member, START, START + timedelta(hours=2))
    _at(app, START + timedelta(minutes=25))
    result = runner.invoke(args=["mark-no-shows"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 ")


def test_api_check_in_and_booking_json(app, api, member, token_for, door_space, make_booking):
    booking = make_booking(door_space, member, START, START + timedelta(hours=2))
    headers = token_for(member)
    early = api("POST", f"/bookings/{booking.id}/check-in", headers)
    assert early.status_code == 409
    _at(app, START + timedelta(minutes=5))
    done = api("POST", f"/bookings/{booking.id}/check-in", headers)
    assert done.status_code == 200
    assert done.json["checked_in_at"] == "2026-11-30T10:05:00+01:00"
    assert done.json["no_show"] is False


def test_space_settings_for_check_in_are_saved_from_the_form(client, login, comanager):
    login(comanager)
    response = client.post("/spaces/new", data={
        **SPACE_FORM, "checkin_required": "y", "checkin_opens_minutes": "10",
        "checkin_grace_minutes": "30", "no_show_cost": "fee", "no_show_fee": "12,50",
        "waitlist_offer_minutes": "60"})
    assert response.status_code == 302
    space = db.session.execute(select(Space)).scalar_one()
    assert (space.checkin_required, space.checkin_opens_minutes, space.checkin_grace_minutes,
            space.checkin_release, space.no_show_cost, space.no_show_fee_cents,
            space.waitlist_offer_minutes) == (True, 10, 30, False, "fee", 1250, 60)
    page = client.get(f"/spaces/{space.id}/edit").get_data(as_text=True)
    assert f"/spaces/{space.id}/door" in page
