"""Quotas: which hours count, per calendar week or month, and what happens past the limit.

Counted: confirmed and pending bookings, and late cancellations; a booking crossing a period
boundary counts in each period for the part inside it. A rule may weight evening and weekend
hours (e.g. 1.5x from 18:00 and all weekend).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, joinedload

from ..formatting import format_date
from ..models import ACTIVE_STATUSES, Booking, Member, QuotaRule, Space
from .accounts import record_audit
from .errors import BookingRefused
from .periods import add_months, month_start
from .schedule import local_to_utc
from .spaces import KIND_LABELS
from .wording import describe_duration

Interval = tuple[datetime, datetime]
OVER_LIMIT_LABELS = {
    "refuse": _l("refuse the booking"),
    "approval": _l("accept it, pending a co-manager's approval"),
    "overage": _l("accept it and bill the extra hours"),
}


def counted_bookings():
    """The bookings that use hours: active ones and late cancellations (one definition)."""
    return or_(Booking.status.in_(ACTIVE_STATUSES),
               and_(Booking.status == "cancelled", Booking.late_cancellation.is_(True)))


# --- periods ---------------------------------------------------------------------------------

def period_start_day(period: str, day: date) -> date:
    """Calendar periods: weeks start on Monday, months on the 1st."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    return month_start(day)


def next_period_day(period: str, first: date) -> date:
    if period == "week":
        return first + timedelta(days=7)
    return add_months(first, 1)


def period_bounds(period: str, day: date, tz: str) -> Interval:
    """The UTC instants of the local period holding `day` (a month is 743 hours in March)."""
    first = period_start_day(period, day)
    return (local_to_utc(datetime.combine(first, time(0)), tz),
            local_to_utc(datetime.combine(next_period_day(period, first), time(0)), tz))


def periods_touching(period: str, start: datetime, end: datetime, tz: str) -> list[Interval]:
    zone = ZoneInfo(tz)
    day = start.astimezone(zone).date()
    bounds = []
    while True:
        p_start, p_end = period_bounds(period, day, tz)
        bounds.append((p_start, p_end))
        if p_end >= end:
            return bounds
        day = p_end.astimezone(zone).date()


def describe_period(period: str, start: datetime, tz: str):
    local_day = start.astimezone(ZoneInfo(tz)).date()
    if period == "week":
        return _l("the week of %(day)s", day=format_date(local_day, "long"))
    return format_date(local_day, "month")


# --- weighting -------------------------------------------------------------------------------

def weighted_minutes(rule: QuotaRule, start: datetime, end: datetime, tz: str) -> float:
    """Minutes of [start, end), with the rule's evening and weekend hours weighted.

    Real elapsed time (a night across a DST switch counts its true length), split by local day.
    """
    if end <= start:
        return 0.0
    total = (end - start).total_seconds() / 60
    if rule.peak_weight_pct == 100 or (rule.peak_from is None and not rule.peak_weekends):
        return total
    zone = ZoneInfo(tz)
    peak = 0.0
    day = start.astimezone(zone).date()
    while True:
        day_start = local_to_utc(datetime.combine(day, time(0)), tz)
        day_end = local_to_utc(datetime.combine(day + timedelta(days=1), time(0)), tz)
        if day_start >= end:
            break
        if rule.peak_weekends and day.weekday() >= 5:
            peak_from = day_start
        elif rule.peak_from is not None:
            peak_from = local_to_utc(datetime.combine(day, rule.peak_from), tz)
        else:
            peak_from = day_end
        a, b = max(start, peak_from), min(end, day_end)
        if b > a:
            peak += (b - a).total_seconds() / 60
        day += timedelta(days=1)
    return total + peak * (rule.peak_weight_pct - 100) / 100


# --- rules -----------------------------------------------------------------------------------

def applicable_rules(session: Session, member: Member, space: Space | None = None,
                     with_names: bool = True) -> list[QuotaRule]:
    """The member's rules (for one space, or all): a member's own rule replaces the plan's
    rule for the same space (or kind) and period; organisation rules always apply too.

    `with_names`: load what describes each rule (plan, organisation, space, member) in the
    same query; the booking check does without (it reads them only to word a refusal)."""
    statement = _rules_statement(bool(member.plan_id), bool(member.organisation_id),
                                 with_names, space is not None)
    params = {"member_id": member.id, "plan_id": member.plan_id,
              "organisation_id": member.organisation_id}
    if space is not None:
        params.update(space_id=space.id, space_kind=space.kind)
    rules = list(session.execute(statement, params).scalars())
    own = {(r.space_id, r.space_kind, r.period) for r in rules if r.member_id is not None}
    return [r for r in rules
            if r.plan_id is None or (r.space_id, r.space_kind, r.period) not in own]


_RULES: dict[tuple[bool, bool, bool, bool], Select] = {}


def _rules_statement(with_plan: bool, with_organisation: bool, with_names: bool,
                     one_space: bool) -> Select:
    """applicable_rules' query, built once per shape with bound parameters (every booking
    asks it)."""
    key = (with_plan, with_organisation, with_names, one_space)
    if key not in _RULES:
        holders = [QuotaRule.member_id == bindparam("member_id")]
        if with_plan:
            holders.append(QuotaRule.plan_id == bindparam("plan_id"))
        if with_organisation:
            holders.append(QuotaRule.organisation_id == bindparam("organisation_id"))
        query = select(QuotaRule).where(or_(*holders))
        if with_names:
            query = query.options(
                joinedload(QuotaRule.plan), joinedload(QuotaRule.organisation),
                joinedload(QuotaRule.space), joinedload(QuotaRule.member))
        if one_space:
            query = query.where(or_(QuotaRule.space_id == bindparam("space_id"),
                                    QuotaRule.space_kind == bindparam("space_kind")))
        _RULES[key] = query.order_by(QuotaRule.id)
    return _RULES[key]


def rule_applies_to_space(rule: QuotaRule, space: Space) -> bool:
    return rule.space_id == space.id if rule.space_id else rule.space_kind == space.kind


def describe_rule(rule: QuotaRule):
    if rule.plan is not None:
        holder = _l("plan %(name)s", name=rule.plan.name)
    elif rule.organisation is not None:
        holder = _l("organisation %(name)s", name=rule.organisation.name)
    else:
        holder = _l("personal quota of %(name)s", name=rule.member.name)
    scope = rule.space.name if rule.space else KIND_LABELS.get(rule.space_kind, rule.space_kind)
    per = _l("per week") if rule.period == "week" else _l("per month")
    return _l("%(holder)s: %(hours)s %(per)s in %(scope)s", holder=holder,
              hours=describe_duration(rule.limit_minutes), per=per, scope=scope)


# --- the budget: many candidate times judged in memory ---------------------------------------

@dataclass(frozen=True)
class CountedRow:
    """A booking that uses hours, as the budget needs it (no object, no relationship)."""

    start: datetime
    end: datetime
    space_id: int
    space_kind: str
    member_id: int
    booker_organisation_id: int | None
    for_organisation_id: int | None


@dataclass(frozen=True)
class SlotVerdict:
    """Whether the member may book a time and on what terms, and why (translated reasons)."""

    bookable: bool
    needs_approval: bool = False
    overage_minutes: int = 0
    quota_left_minutes: int | None = None
    why: tuple = ()


class QuotaBudget:
    """The member's rules and the hours already counted around a window, read in two queries
    at most, so that thousands of candidate times (a slot search, a calendar's free cells,
    the suggestions on a conflict) are judged in memory by the rules `check_quotas` applies.
    """

    def __init__(self, rules: Sequence[QuotaRule], rows: Sequence[CountedRow], *,
                 member_id: int, tz: str) -> None:
        self.rules = list(rules)
        self.rows = list(rows)
        self.member_id = member_id
        self.tz = tz
        self._used: dict[tuple[int, datetime], float] = {}

    def rules_for_space(self, space_id: int, space_kind: str) -> list[QuotaRule]:
        return [r for r in self.rules
                if (r.space_id == space_id if r.space_id else r.space_kind == space_kind)]

    def _counts_for(self, rule: QuotaRule, row: CountedRow) -> bool:
        in_scope = (row.space_id == rule.space_id if rule.space_id
                    else row.space_kind == rule.space_kind)
        if not in_scope:
            return False
        if rule.organisation_id is not None:
            return rule.organisation_id in (row.booker_organisation_id, row.for_organisation_id)
        return row.member_id == self.member_id and row.for_organisation_id is None

    def used(self, rule: QuotaRule, period: Interval) -> float:
        """Weighted minutes the rule has counted in the period (computed once per period)."""
        key = (rule.id, period[0])
        if key not in self._used:
            p_start, p_end = period
            self._used[key] = sum(
                weighted_minutes(rule, max(row.start, p_start), min(row.end, p_end), self.tz)
                for row in self.rows if self._counts_for(rule, row)
                and row.start < p_end and row.end > p_start)
        return self._used[key]

    def judge(self, space: Space, start: datetime, end: datetime) -> SlotVerdict:
        """What booking [start, end) in the space would do to the member's quotas."""
        pending = space.needs_approval
        why = [_l("This space needs a co-manager's approval.")] if pending else []
        overage, left = 0.0, None
        for rule in self.rules_for_space(space.id, space.kind):
            for period in periods_touching(rule.period, start, end, self.tz):
                used = self.used(rule, period)
                asked = weighted_minutes(rule, max(start, period[0]), min(end, period[1]),
                                         self.tz)
                if asked <= 0:
                    continue
                rule_left = max(0.0, rule.limit_minutes - used)
                left = rule_left if left is None else min(left, rule_left)
                excess = max(0.0, used + asked - rule.limit_minutes) - max(
                    0.0, used - rule.limit_minutes)
                if excess <= 0:
                    continue
                if rule.over_limit == "refuse":
                    return SlotVerdict(False, quota_left_minutes=round(rule_left), why=(
                        _l("Beyond your quota: %(left)s left.",
                           left=describe_duration(round(rule_left))),))
                if rule.over_limit == "approval":
                    if not pending:
                        why.append(_l("Beyond your quota: a co-manager must approve it."))
                    pending = True
                else:
                    overage = max(overage, excess)
        if overage:
            why.append(_l("%(duration)s beyond your quota, billed as overage.",
                          duration=describe_duration(round(overage))))
        return SlotVerdict(True, pending, round(overage),
                           None if left is None else round(left), tuple(why))


def quota_budget(session: Session, member: Member, start: datetime, end: datetime, tz: str, *,
                 for_organisation: bool = False,
                 exclude_ids: Iterable[int] = ()) -> QuotaBudget:
    """The budget for times within [start, end): the rules that apply (only the
    organisation's pool when booking for it), and the counted bookings of every period those
    times touch, in one query over plain columns (none when no rule applies)."""
    rules = applicable_rules(session, member, with_names=False)
    if for_organisation:
        rules = [r for r in rules if r.organisation_id is not None]
    if not rules or end <= start:
        return QuotaBudget(rules, [], member_id=member.id, tz=tz)
    first = min(periods_touching(r.period, start, end, tz)[0][0] for r in rules)
    last = max(periods_touching(r.period, start, end, tz)[-1][1] for r in rules)
    return QuotaBudget(rules, counted_rows(session, member, rules, first, last, exclude_ids),
                       member_id=member.id, tz=tz)


def counted_rows(session: Session, member: Member, rules: Sequence[QuotaRule],
                 start: datetime, end: datetime,
                 exclude_ids: Iterable[int] = ()) -> list[CountedRow]:
    """The bookings meeting [start, end) that any of the rules may count: the member's own,
    and their organisation's when an organisation rule is among them. One query."""
    holders = [Booking.member_id == member.id]
    if member.organisation_id and any(r.organisation_id for r in rules):
        holders.append(Member.organisation_id == member.organisation_id)
    query = (select(Booking.start_at, Booking.end_at, Booking.space_id, Space.kind,
                    Booking.member_id, Member.organisation_id, Booking.organisation_id)
             .join(Space, Space.id == Booking.space_id)
             .join(Member, Member.id == Booking.member_id)
             .where(counted_bookings(), *Booking.meeting(start, end),
                    or_(*holders)))
    exclude_ids = list(exclude_ids)
    if exclude_ids:
        query = query.where(Booking.id.not_in(exclude_ids))
    return [CountedRow(*row) for row in session.execute(query)]


# --- checking --------------------------------------------------------------------------------

class QuotaExceeded(BookingRefused):
    """A rule that refuses was passed; the message names the rule, period and hours."""

    reason = "quota"


@dataclass
class QuotaDecision:
    """For each interval asked: does it wait for approval, and how many minutes are overage."""

    pending: list[bool]
    overage_minutes: list[int]
    notes: list = field(default_factory=list)


def quota_message(rule: QuotaRule, period_start: datetime, tz: str, used: float, asked: float,
                  limit: int):
    left = max(0.0, limit - used)
    return _l(
        "Quota “%(rule)s”: in %(period)s you have used %(used)s, this booking asks %(asked)s "
        "and %(left)s are left. Choose a shorter time or another period, or ask a co-manager.",
        rule=describe_rule(rule), period=describe_period(rule.period, period_start, tz),
        used=describe_duration(round(used)), asked=describe_duration(round(asked)),
        left=describe_duration(round(left)))


def check_quotas(session: Session, member: Member, space: Space, intervals: Sequence[Interval],
                 tz: str, exclude_ids: Iterable[int] = (), *,
                 for_organisation: bool = False) -> QuotaDecision:
    """Apply every rule to the intervals asked, in order (a series fills the quota date by date).

    Raises QuotaExceeded when a refusing rule is passed; otherwise says which intervals wait
    for approval and how many of their minutes are overage. Booked for the organisation, only
    its pool counts.
    """
    decision = QuotaDecision([False] * len(intervals), [0] * len(intervals))
    if not intervals:
        return decision
    start, end = min(i[0] for i in intervals), max(i[1] for i in intervals)
    budget = quota_budget(session, member, start, end, tz, for_organisation=for_organisation,
                          exclude_ids=exclude_ids)
    for rule in budget.rules_for_space(space.id, space.kind):
        periods = periods_touching(rule.period, start, end, tz)
        for p_start, p_end in periods:
            running = budget.used(rule, (p_start, p_end))
            for position, (i_start, i_end) in enumerate(intervals):
                asked = weighted_minutes(rule, max(i_start, p_start), min(i_end, p_end), tz)
                if asked <= 0:
                    continue
                excess = max(0.0, running + asked - rule.limit_minutes) - max(
                    0.0, running - rule.limit_minutes)
                if excess > 0:
                    if rule.over_limit == "refuse":
                        raise QuotaExceeded(quota_message(rule, p_start, tz,
                                                          running, asked, rule.limit_minutes))
                    if rule.over_limit == "approval":
                        decision.pending[position] = True
                    else:
                        decision.overage_minutes[position] = max(
                            decision.overage_minutes[position], round(excess))
                    decision.notes.append(quota_message(rule, p_start, tz,
                                                        running, asked, rule.limit_minutes))
                running += asked
    return decision


# --- what is left ----------------------------------------------------------------------------

@dataclass(frozen=True)
class QuotaStatus:
    rule: QuotaRule
    period_start: datetime
    period_end: datetime
    used: float
    limit: int

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.used)

    @property
    def percent(self) -> int:
        if self.limit <= 0:
            return 100
        return min(100, round(100 * self.used / self.limit))


def quota_usage_in_month(session: Session, member: Member, tz: str, first_day: date
                         ) -> list[QuotaStatus]:
    """Used / limit / left of each rule over a month: the month itself for monthly rules,
    each week starting in it for weekly ones."""
    zone = ZoneInfo(tz)
    after = next_period_day("month", first_day)
    periods_of = {}
    for rule in applicable_rules(session, member):
        if rule.period == "month":
            periods = [period_bounds("month", first_day, tz)]
        else:
            periods, day = [], first_day + timedelta(days=(7 - first_day.weekday()) % 7)
            while day < after:
                periods.append(period_bounds("week", day, tz))
                day = periods[-1][1].astimezone(zone).date()
        if periods:
            periods_of[rule] = periods
    return _statuses(session, member, periods_of, tz)


def quota_overview(session: Session, member: Member, tz: str, now: datetime,
                   space: Space | None = None, periods_ahead: int = 1) -> list[QuotaStatus]:
    """Used / limit / left for the current period (and the next ones) of each rule."""
    zone = ZoneInfo(tz)
    periods_of = {}
    for rule in applicable_rules(session, member, space):
        day = now.astimezone(zone).date()
        periods = []
        for _ in range(periods_ahead + 1):
            bounds = period_bounds(rule.period, day, tz)
            periods.append(bounds)
            day = bounds[1].astimezone(zone).date()
        periods_of[rule] = periods
    return _statuses(session, member, periods_of, tz)


def _statuses(session: Session, member: Member,
              periods_of: dict[QuotaRule, list[Interval]], tz: str) -> list[QuotaStatus]:
    """Each rule's use of each of its periods, from one query of the hours counted in all of
    them, whatever the number of rules (the budget sorts the rows to their rules)."""
    if not periods_of:
        return []
    start = min(periods[0][0] for periods in periods_of.values())
    end = max(periods[-1][1] for periods in periods_of.values())
    budget = QuotaBudget(list(periods_of), counted_rows(session, member, list(periods_of),
                                                        start, end),
                         member_id=member.id, tz=tz)
    return [QuotaStatus(rule, p_start, p_end, budget.used(rule, (p_start, p_end)),
                        rule.limit_minutes)
            for rule, periods in periods_of.items() for p_start, p_end in periods]


# --- setting up ------------------------------------------------------------------------------

def save_rule(session: Session, rule: QuotaRule | None, values: dict,
              actor: Member | None = None) -> QuotaRule:
    """Create or change a rule from plain values; exactly one holder and one scope."""
    from .errors import DomainError

    holders = [values.get(k) for k in ("plan_id", "member_id", "organisation_id")]
    if sum(1 for h in holders if h) != 1:
        raise DomainError(_l("Choose who the quota is for: one plan, one member or one "
                             "organisation."))
    if bool(values.get("space_id")) == bool(values.get("space_kind")):
        raise DomainError(_l("Choose what the quota covers: one space or one kind of space."))
    if values["limit_minutes"] < 0:
        raise DomainError(_l("The number of hours cannot be negative."))
    from ..models import Organisation, Plan

    for key, model in (("plan_id", Plan), ("member_id", Member), ("organisation_id", Organisation),
                       ("space_id", Space)):
        if values.get(key) and session.get(model, values[key]) is None:
            raise DomainError(_l("The plan, member, organisation or space chosen does not "
                                 "exist. Check the numbers sent."))
    if values.get("space_kind") and values["space_kind"] not in KIND_LABELS:
        raise DomainError(_l("Choose a kind of space from the list."))
    if rule is None:
        rule = QuotaRule()
        session.add(rule)
    for key in ("plan_id", "member_id", "organisation_id", "space_id", "space_kind", "period",
                "limit_minutes", "over_limit", "peak_weight_pct", "peak_from", "peak_weekends"):
        setattr(rule, key, values.get(key))
    session.flush()
    record_audit(session, actor, "quota.save", "quota_rule", rule.id)
    return rule


def delete_rule(session: Session, rule: QuotaRule, *, actor: Member) -> None:
    """Remove a rule: bookings already made keep their status and overage."""
    record_audit(session, actor, "quota.delete", "quota_rule", rule.id)
    session.delete(rule)
    session.flush()


def quota_rules(session: Session) -> list[QuotaRule]:
    """Every rule with what `describe_rule` needs loaded, in creation order."""
    return list(session.execute(select(QuotaRule).options(
        joinedload(QuotaRule.plan), joinedload(QuotaRule.member),
        joinedload(QuotaRule.organisation), joinedload(QuotaRule.space))
        .order_by(QuotaRule.id)).scalars())
