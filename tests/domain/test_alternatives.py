"""The in-memory rules of the booking desk: a quota budget judging candidate times, and the
alternatives offered on a conflict, without a database."""
from __future__ import annotations

from datetime import time, timedelta

from booking.domain.alternatives import suggest_alternatives
from booking.domain.quotas import CountedRow, QuotaBudget, SlotVerdict
from booking.domain.schedule import SpaceRules
from booking.models import QuotaRule, Space
from tests.conftest import local

TZ = "Europe/Brussels"
NOW = local(2026, 11, 30, 9)
OPEN = {day: [(time(8, 0), time(0, 0))] for day in range(7)}


def _space(space_id, kind="rehearsal_room", needs_approval=False):
    return Space(id=space_id, name=f"S{space_id}", kind=kind, needs_approval=needs_approval)


def _rule(limit, over_limit, **fields):
    return QuotaRule(id=1, member_id=7, space_kind="rehearsal_room", period="month",
                     limit_minutes=limit, over_limit=over_limit, peak_weight_pct=100,
                     peak_from=None, peak_weekends=False, **fields)


def _row(start, end, member_id=7, space_id=1):
    return CountedRow(start, end, space_id, "rehearsal_room", member_id, None, None)


def test_the_budget_counts_the_members_hours_in_the_period_only():
    rows = [_row(local(2026, 12, 1, 10), local(2026, 12, 1, 12)),
            _row(local(2026, 11, 20, 10), local(2026, 11, 20, 12)),  # November
            _row(local(2026, 12, 3, 10), local(2026, 12, 3, 12), member_id=8)]  # someone else
    budget = QuotaBudget([_rule(180, "refuse")], rows, member_id=7, tz=TZ)
    space = _space(1)
    one_hour = budget.judge(space, local(2026, 12, 9, 10), local(2026, 12, 9, 11))
    assert one_hour == SlotVerdict(True, False, 0, 60, ())
    assert not budget.judge(space, local(2026, 12, 9, 10), local(2026, 12, 9, 12)).bookable
    assert budget.judge(space, local(2027, 1, 4, 10), local(2027, 1, 4, 12)).bookable


def test_the_budget_says_approval_and_overage():
    space = _space(1)
    approval = QuotaBudget([_rule(0, "approval")], [], member_id=7, tz=TZ).judge(
        space, local(2026, 12, 9, 10), local(2026, 12, 9, 12))
    assert approval.bookable and approval.needs_approval and len(approval.why) == 1
    overage = QuotaBudget([_rule(60, "overage")], [], member_id=7, tz=TZ).judge(
        space, local(2026, 12, 9, 10), local(2026, 12, 9, 12))
    assert overage.bookable and overage.overage_minutes == 60 and not overage.needs_approval


def test_alternatives_come_in_the_order_of_preference_and_only_when_bookable():
    asked, other, refused = _space(1), _space(2), _space(3)
    rules = SpaceRules(tz=TZ, opening_hours=OPEN)
    wanted = (local(2026, 12, 2, 15), local(2026, 12, 2, 17))
    busy = {1: [(local(2026, 12, 2, 14), local(2026, 12, 2, 18)),
                (local(2026, 12, 3, 15), local(2026, 12, 3, 16))], 2: [], 3: []}
    closed = {1: [], 2: [], 3: []}

    def judge(space, slot):
        return SlotVerdict(space.id != 3)

    found = suggest_alternatives(wanted, [asked, refused, other], {1: rules, 2: rules, 3: rules},
                                 busy, closed, NOW, judge)
    assert [(s.space_id, s.start) for s in found] == [
        (1, local(2026, 12, 1, 15)), (1, local(2026, 12, 4, 15)),  # the 3rd is taken
        (2, local(2026, 12, 2, 15)),
        (1, local(2026, 12, 2, 12)), (1, local(2026, 12, 2, 18)),
    ]
    assert all(s.end - s.start == timedelta(hours=2) for s in found)
