"""Quotas: periods, weighting, late cancellations, overrides, and each over-limit behaviour."""
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from booking.domain import quotas
from booking.domain.usage import usage_by_member
from booking.extensions import db
from booking.models import Booking, Organisation, Plan, QuotaRule, RefusedBooking
from tests.conftest import csv_tables, form_time, local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Brussels
TZ = "Europe/Brussels"


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


@pytest.fixture
def plan(app):
    plan = Plan(name="Musicien·ne", monthly_fee_cents=2500, shares=1)
    db.session.add(plan)
    db.session.commit()
    return plan


def _rule(**fields):
    values = {"space_kind": "rehearsal_room", "period": "month", "limit_minutes": 4 * 60,
              "over_limit": "refuse", "peak_weight_pct": 100}
    values.update(fields)
    rule = QuotaRule(**values)
    db.session.add(rule)
    db.session.commit()
    return rule


def _book(client, space, start, end):
    return client.post("/bookings/new", data={
        "space_id": space.id, "start": form_time(start), "end": form_time(end),
        "title": "Répétition", "note": "", "repeat": "none"})


def _booked_at(start):
    """The booking starting at that instant, or None."""
    return db.session.execute(select(Booking).where(Booking.start_at == start)).scalar_one_or_none()


def _assert_sent_to_the_booking(response, start):
    """The booking was written and the member is sent to its page."""
    booking = _booked_at(start)
    assert booking is not None
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bookings/{booking.id}"
    return booking


def _assert_refused_by_quota(response, start, holder):
    """The form is shown again, naming the quota, and nothing was booked."""
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"Quota «\u00a0{holder}" in body and "vous avez utilisé" in body
    assert _booked_at(start) is None


# --- domain: periods and weighting --------------------------------------------------------------

def test_weeks_start_on_monday_and_months_on_the_first_in_local_time():
    start, end = quotas.period_bounds("week", datetime(2026, 3, 5).date(), TZ)
    assert (start, end) == (local(2026, 3, 2), local(2026, 3, 9))
    start, end = quotas.period_bounds("month", datetime(2026, 3, 31).date(), TZ)
    assert (start, end) == (local(2026, 3, 1), local(2026, 4, 1))
    assert (end - start).total_seconds() / 3600 == 31 * 24 - 1  # March loses an hour to DST


def test_a_booking_across_a_month_edge_counts_in_each_month_by_hours():
    rule = QuotaRule(period="month", limit_minutes=600, peak_weight_pct=100)
    march, april = quotas.periods_touching("month", local(2026, 3, 31, 22), local(2026, 4, 1, 2),
                                           TZ)
    assert quotas.weighted_minutes(rule, local(2026, 3, 31, 22), march[1], TZ) == 120
    assert quotas.weighted_minutes(rule, april[0], local(2026, 4, 1, 2), TZ) == 120


def test_evening_and_weekend_hours_are_weighted():
    rule = QuotaRule(period="week", limit_minutes=600, peak_weight_pct=150,
                     peak_from=time(18, 0), peak_weekends=True)
    # Wednesday 16:00-20:00: two day hours and two evening hours = 2 + 3 = 5 hours.
    assert quotas.weighted_minutes(rule, local(2026, 3, 4, 16), local(2026, 3, 4, 20), TZ) == 300
    # Saturday 10:00-12:00: weekend = 3 hours.
    assert quotas.weighted_minutes(rule, local(2026, 3, 7, 10), local(2026, 3, 7, 12), TZ) == 180


def test_a_night_across_the_spring_switch_counts_its_real_length():
    rule = QuotaRule(period="week", limit_minutes=600, peak_weight_pct=100)
    assert quotas.weighted_minutes(rule, local(2026, 3, 28, 22), local(2026, 3, 29, 4), TZ) == 300


# --- at booking time ----------------------------------------------------------------------------

def test_refusing_quota_names_the_rule_period_and_hours_and_writes_nothing(
        client, login, make_member, make_space, make_booking, plan):
    space = make_space()
    member = make_member(plan_id=plan.id)
    _rule(plan_id=plan.id, over_limit="refuse")
    make_booking(space, member, local(2026, 3, 3, 10), local(2026, 3, 3, 13))  # 3 h used
    login(member)
    response = _book(client, space, local(2026, 3, 5, 10), local(2026, 3, 5, 12))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Musicien·ne" in body and "mars 2026" in body
    assert "3 h" in body and "2 h" in body and "1 h" in body  # used, asked, left
    assert db.session.execute(select(Booking).where(Booking.start_at == local(2026, 3, 5, 10))
                              ).first() is None
    assert db.session.execute(select(RefusedBooking.reason)).scalar_one() == "quota"


def test_booking_within_the_quota_is_accepted_and_the_form_says_what_is_left(
        client, login, make_member, make_space, plan):
    space = make_space()
    member = make_member(plan_id=plan.id)
    _rule(plan_id=plan.id)
    login(member)
    form = client.get(f"/bookings/new?space={space.id}").get_data(as_text=True)
    assert "0 min utilisées sur 4 h\u00a0: 4 h restantes" in form
    assert _book(client, space, local(2026, 3, 5, 10), local(2026, 3, 5, 14)).status_code == 302


def test_approval_quota_makes_the_booking_pending(client, login, make_member, make_space, plan):
    space = make_space()
    member = make_member(plan_id=plan.id)
    _rule(plan_id=plan.id, limit_minutes=60, over_limit="approval")
    login(member)
    assert _book(client, space, local(2026, 3, 5, 10), local(2026, 3, 5, 12)).status_code == 302
    assert db.session.execute(select(Booking.status)).scalar_one() == "pending"


def test_overage_quota_accepts_and_marks_the_extra_hours(client, login, make_member, make_space,
                                                         plan):
    space = make_space()
    member = make_member(plan_id=plan.id)
    _rule(plan_id=plan.id, limit_minutes=60, over_limit="overage")
    login(member)
    assert _book(client, space, local(2026, 3, 5, 10), local(2026, 3, 5, 13)).status_code == 302
    booking = db.session.execute(select(Booking)).scalar_one()
    assert (booking.status, booking.overage_minutes) == ("confirmed", 120)


def test_late_cancellation_still_counts_and_on_time_cancellation_frees_hours(
        client, login, make_member, make_space, make_booking, plan):
    space = make_space()
    member = make_member(plan_id=plan.id)
    _rule(plan_id=plan.id, limit_minutes=180)
    make_booking(space, member, local(2026, 3, 3, 10), local(2026, 3, 3, 12),
                 status="cancelled", late_cancellation=True)
    make_booking(space, member, local(2026, 3, 10, 10), local(2026, 3, 10, 12),
                 status="cancelled", late_cancellation=False)
    login(member)
    response = _book(client, space, local(2026, 3, 5, 10), local(2026, 3, 5, 12))
    _assert_refused_by_quota(response, local(2026, 3, 5, 10), "formule Musicien·ne")
    # The late-cancelled hours count as used; the on-time cancellation does not.
    assert "vous avez utilisé 2 h," in response.get_data(as_text=True)
    response = _book(client, space, local(2026, 3, 5, 10), local(2026, 3, 5, 11))
    assert _assert_sent_to_the_booking(response, local(2026, 3, 5, 10)).status == "confirmed"


def test_member_rule_overrides_the_plan_rule(client, login, make_member, make_space, plan):
    space = make_space()
    member = make_member(plan_id=plan.id)
    _rule(plan_id=plan.id, limit_minutes=60)
    _rule(member_id=member.id, limit_minutes=600)
    login(member)
    response = _book(client, space, local(2026, 3, 5, 10), local(2026, 3, 5, 14))
    booking = _assert_sent_to_the_booking(response, local(2026, 3, 5, 10))
    assert (booking.status, booking.overage_minutes) == ("confirmed", 0)


def test_organisation_quota_is_one_pool_for_its_members(client, login, make_member, make_space,
                                                        make_booking):
    band = Organisation(name="Fanfare")
    db.session.add(band)
    db.session.commit()
    space = make_space()
    first, second = make_member(organisation_id=band.id), make_member(organisation_id=band.id)
    _rule(organisation_id=band.id, period="week", limit_minutes=180)
    make_booking(space, first, local(2026, 3, 3, 10), local(2026, 3, 3, 12))
    login(second)
    response = _book(client, space, local(2026, 3, 5, 10), local(2026, 3, 5, 12))
    _assert_refused_by_quota(response, local(2026, 3, 5, 10), "organisation Fanfare")
    # Next week is a new period for the pool.
    response = _book(client, space, local(2026, 3, 10, 10), local(2026, 3, 10, 12))
    assert _assert_sent_to_the_booking(response, local(2026, 3, 10, 10)).member_id == second.id


def test_a_series_spanning_two_months_is_counted_date_by_date(client, login, make_member,
                                                              make_space, plan):
    space = make_space()
    member = make_member(plan_id=plan.id)
    _rule(plan_id=plan.id, limit_minutes=4 * 60, over_limit="approval")
    login(member)
    client.post("/bookings/new", data={
        "space_id": space.id, "start": form_time(local(2026, 3, 17, 19)),
        "end": form_time(local(2026, 3, 17, 21)), "title": "Hebdo", "note": "",
        "repeat": "weekly", "interval": 1, "count": 4, "confirm": "1"})
    rows = db.session.execute(select(Booking.start_at, Booking.status)
                              .order_by(Booking.start_at)).all()
    # March: 17 and 24 fill the 4 hours, 31 passes it; April starts afresh.
    assert [status for _start, status in rows] == ["confirmed", "confirmed", "pending",
                                                   "confirmed"]


def test_usage_by_member_clips_to_the_period_and_applies_space_weights(
        make_member, make_space, make_booking):
    member = make_member()
    workshop = make_space(kind="decor_workshop", hourly_weight_pct=150)
    make_booking(workshop, member, local(2026, 3, 31, 22), local(2026, 4, 1, 2))
    make_booking(workshop, member, local(2026, 3, 10, 10), local(2026, 3, 10, 12),
                 status="cancelled", late_cancellation=True)
    rows = usage_by_member(db.session, local(2026, 3, 1), local(2026, 4, 1))
    assert len(rows) == 1
    row = rows[0]
    assert (row.minutes, row.weighted_minutes, row.late_cancellations) == (240, 360, 1)


# --- co-manager pages ---------------------------------------------------------------------------

def test_comanager_creates_a_plan_and_a_quota(client, login, comanager, make_space):
    make_space()
    login(comanager)
    assert client.post("/plans/new", data={"name": "Compagnie", "description": "",
                                           "monthly_fee": "90,00", "shares": 4}
                       ).status_code == 302
    plan = db.session.execute(select(Plan)).scalar_one()
    assert (plan.monthly_fee_cents, plan.shares) == (9000, 4)
    response = client.post("/quotas/new", data={
        "holder": "plan", "plan_id": plan.id, "member_id": 0, "organisation_id": 0,
        "scope": "kind", "space_kind": "decor_workshop", "space_id": 0, "period": "month",
        "hours": "40", "over_limit": "approval", "peak_weight": "1,5", "peak_from": "18:00",
        "peak_weekends": "y"})
    assert response.status_code == 302
    rule = db.session.execute(select(QuotaRule)).scalar_one()
    assert (rule.limit_minutes, rule.peak_weight_pct, rule.peak_from) == (2400, 150, time(18))


def test_quota_form_refuses_bad_hours_and_writes_nothing(client, login, comanager, plan):
    login(comanager)
    response = client.post("/quotas/new", data={
        "holder": "plan", "plan_id": plan.id, "member_id": 0, "organisation_id": 0,
        "scope": "kind", "space_kind": "rehearsal_room", "space_id": 0, "period": "month",
        "hours": "beaucoup", "over_limit": "refuse", "peak_weight": "1"})
    assert response.status_code == 200
    assert db.session.execute(select(QuotaRule)).first() is None


def test_member_cannot_reach_plans_quotas_or_usage(client, login, member, plan):
    rule = _rule(plan_id=plan.id)
    login(member)
    for path in ("/plans/", "/plans/new", f"/plans/{plan.id}/edit", "/quotas/new",
                 f"/quotas/{rule.id}/edit", "/usage/", "/usage/report.csv"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/quotas/{rule.id}/delete").status_code == 403
    assert db.session.get(QuotaRule, rule.id) is not None


def test_usage_csv_totals_equal_the_page(client, login, comanager, make_member, make_space,
                                         make_booking):
    space = make_space(hourly_weight_pct=150)
    lea, jan = make_member(name="Léa"), make_member(name="Jan")
    make_booking(space, lea, local(2026, 3, 3, 10), local(2026, 3, 3, 13))
    make_booking(space, jan, local(2026, 3, 4, 10), local(2026, 3, 4, 11, 30))
    login(comanager)
    page = client.get("/usage/?period=month&date=2026-03-15").get_data(as_text=True)
    text = client.get("/usage/report.csv?period=month&date=2026-03-15").get_data(as_text=True)
    rows = csv_tables(text)[0][1:]
    assert {r[0]: r[2] for r in rows} == {"Jan": "1.50", "Léa": "3.00"}
    assert sum(float(r[4]) for r in rows) == pytest.approx(100, abs=0.2)
    assert "4,5" in page or "4,50" in page  # weighted hours of Léa, in French notation
    assert "3,0" in page and "1,5" in page


def test_usage_report_runs_a_bounded_number_of_queries(client, login, comanager, make_member,
                                                       make_space, make_booking, count_queries):
    space = make_space()
    login(comanager)
    for i in range(3):
        make_booking(space, make_member(), local(2026, 3, 3 + i, 10), local(2026, 3, 3 + i, 11))
    with count_queries() as few:
        client.get("/usage/?period=month&date=2026-03-15")
    for i in range(12):
        make_booking(space, make_member(), local(2026, 3, 10 + i, 10),
                     local(2026, 3, 10 + i, 11))
    with count_queries() as many:
        client.get("/usage/?period=month&date=2026-03-15")
    assert many.count == few.count, many.statements


# --- rules moved from the views into the domain -------------------------------------------------

def _audits(action: str) -> int:
    from sqlalchemy import func

    from booking.models import AuditEvent

    return db.session.execute(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == action)).scalar()


def test_a_plan_name_already_used_is_refused_with_a_message_and_nothing_saved(
        client, login, comanager, plan):
    login(comanager)
    response = client.post("/plans/new", data={"name": " MUSICIEN·NE ", "description": "",
                                               "monthly_fee": "10", "shares": 1})
    assert response.status_code == 200
    assert "existe déjà" in response.get_data(as_text=True)
    assert [p.name for p in db.session.execute(select(Plan)).scalars()] == ["Musicien·ne"]
    assert _audits("plan.save") == 0
    edited = client.post(f"/plans/{plan.id}/edit", data={
        "name": "Musicien·ne", "description": "", "monthly_fee": "1 234,50", "shares": 2})
    assert edited.status_code == 302
    db.session.expire_all()
    assert (plan.monthly_fee_cents, plan.shares) == (123_450, 2)
    assert _audits("plan.save") == 1


def test_deleting_a_quota_rule_writes_an_audit_line(client, login, comanager, plan):
    rule = _rule(plan_id=plan.id)
    login(comanager)
    client.post(f"/quotas/{rule.id}/delete")
    assert db.session.execute(select(QuotaRule)).first() is None
    assert _audits("quota.delete") == 1


def test_usage_csv_and_page_show_the_same_share(client, login, comanager, make_member,
                                                make_space, make_booking):
    from booking.domain import usage

    space = make_space()
    lea, jan = make_member(name="Léa"), make_member(name="Jan")
    make_booking(space, lea, local(2026, 3, 3, 10), local(2026, 3, 3, 12))
    make_booking(space, jan, local(2026, 3, 4, 10), local(2026, 3, 4, 11))
    login(comanager)
    page = client.get("/usage/?period=month&date=2026-03-15").get_data(as_text=True)
    text = client.get("/usage/report.csv?period=month&date=2026-03-15").get_data(as_text=True)
    shares = {r[0]: r[4] for r in csv_tables(text)[0][1:]}
    assert shares == {"Jan": "33.3", "Léa": "66.7"}
    assert "33,3 %" in page and "66,7 %" in page
    api_rows = usage.usage_shares(db.session, local(2026, 3, 1), local(2026, 4, 1))
    assert {r.member_name: r.share_pct for r in api_rows} == {"Léa": 66.7, "Jan": 33.3}


def test_report_periods_come_from_the_calendar_helpers():
    from datetime import date

    from booking.domain.usage import report_period

    assert report_period("quarter", date(2026, 11, 5)) == (date(2026, 10, 1), date(2027, 1, 1))
    assert report_period("year", date(2026, 3, 5)) == (date(2026, 1, 1), date(2027, 1, 1))
    assert report_period("month", date(2026, 12, 5)) == (date(2026, 12, 1), date(2027, 1, 1))
    assert report_period("custom", date(2026, 3, 5), date(2026, 3, 2), date(2026, 3, 4)) == (
        date(2026, 3, 2), date(2026, 3, 5))
    assert report_period("custom", date(2026, 3, 5)) == (date(2026, 3, 1), date(2026, 4, 1))
