"""Quota rules and the co-managers' usage report."""
from __future__ import annotations

from datetime import datetime, time

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..domain import quotas, usage
from ..domain.periods import month_start
from ..extensions import db
from ..models import QuotaRule
from ..timezones import from_local, to_local
from .actions import api_action
from .auth import comanager_required, current_member
from .blueprint import bp
from .json import hours, period
from .openapi import array_of, endpoint, query_param, ref

MAX_USAGE_DAYS = 400


def _rule_json(rule: QuotaRule) -> dict:
    return {
        "id": rule.id, "plan_id": rule.plan_id, "member_id": rule.member_id,
        "organisation_id": rule.organisation_id, "space_id": rule.space_id,
        "space_kind": rule.space_kind, "period": rule.period,
        "hours": hours(rule.limit_minutes), "over_limit": rule.over_limit,
        "peak_weight": rule.peak_weight_pct / 100,
        "peak_from": rule.peak_from.strftime("%H:%M") if rule.peak_from else None,
        "peak_weekends": rule.peak_weekends, "description": str(quotas.describe_rule(rule)),
    }


@endpoint(bp, "/quota-rules", "POST", summary="Add a quota rule", tag="quotas",
          comanager=True, status=201, body=ref("QuotaRuleCreate"), response=ref("QuotaRule"))
@comanager_required
def create_quota_rule(body):
    peak_from = body.get("peak_from")
    if peak_from == "24:00":
        peak_from = "00:00"
    values = {
        "plan_id": body.get("plan_id"), "member_id": body.get("member_id"),
        "organisation_id": body.get("organisation_id"), "space_id": body.get("space_id"),
        "space_kind": body.get("space_kind"), "period": body["period"],
        "limit_minutes": round(body["hours"] * 60), "over_limit": body["over_limit"],
        "peak_weight_pct": round(body.get("peak_weight", 1) * 100),
        "peak_from": time.fromisoformat(peak_from) if peak_from else None,
        "peak_weekends": body.get("peak_weekends", False),
    }
    with api_action():
        rule = quotas.save_rule(db.session, None, values, actor=current_member())
    rule = db.session.execute(select(QuotaRule).options(
        joinedload(QuotaRule.plan), joinedload(QuotaRule.member),
        joinedload(QuotaRule.organisation), joinedload(QuotaRule.space))
        .where(QuotaRule.id == rule.id)).scalar_one()
    return jsonify(_rule_json(rule)), 201


def usage_rows(start: datetime, end: datetime) -> list[dict]:
    """The usage report's rows (domain.usage) as the API shows them."""
    return [{
        "member_id": r.member_id, "member_name": r.member_name, "space_id": r.space_id,
        "hours": hours(r.minutes), "weighted_hours": hours(r.weighted_minutes),
        "share": r.share_pct, "late_cancellations": r.late_cancellations,
        "overage_hours": hours(r.overage_minutes),
    } for r in usage.usage_shares(db.session, start, end)]


@endpoint(bp, "/usage", "GET", summary="Hours per member and space", tag="quotas",
          comanager=True, response=array_of("UsageRow"),
          description="Counted hours (active bookings and late cancellations) inside the "
                      "period, per member and space, with each row's share of all weighted "
                      "hours. Defaults: this month so far; at most 400 days.",
          query=[query_param("start", {"type": "string", "format": "date-time"}, "From."),
                 query_param("end", {"type": "string", "format": "date-time"}, "Until.")])
@comanager_required
def usage_report(query):
    if query["start"] is None:
        first = month_start(to_local(clock.now()).date())
        query["start"] = from_local(datetime.combine(first, time(0)))
    start, end = period(query, 31, MAX_USAGE_DAYS)
    return jsonify(usage_rows(start, end))
