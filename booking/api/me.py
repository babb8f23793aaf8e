"""The caller's own profile and quotas."""
from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..domain import quotas
from ..domain.feed_tokens import regenerate_feed_token, revoke_feed_token
from ..domain.periods import month_start
from ..extensions import db
from ..feeds.views import feed_urls
from ..models import Member
from ..timezones import current_tz, to_local
from .actions import api_action
from .auth import current_member
from .blueprint import bp
from .inputs import format_instant, parse_month
from .json import hours
from .openapi import array_of, endpoint, query_param, ref


@endpoint(bp, "/me", "GET", summary="The caller's profile and plan", tag="me",
          response=ref("Me"), read_only=True)
def me():
    member = db.session.execute(
        select(Member).options(joinedload(Member.plan), joinedload(Member.organisation))
        .where(Member.id == current_member().id)).scalar_one()
    plan, organisation = member.plan, member.organisation
    return jsonify({
        "id": member.id, "name": member.name, "email": member.email, "phone": member.phone,
        "role": member.role, "locale": member.locale,
        "organisation": {"id": organisation.id, "name": organisation.name}
        if organisation else None,
        "plan": {"id": plan.id, "name": plan.name, "monthly_fee_cents": plan.monthly_fee_cents,
                 "shares": plan.shares} if plan else None,
        # Feed tokens are stored hashed: the URL is shown once, when POST /me/feed makes it.
        "feed_url": None,
        "has_feed": member.feed_token is not None,
    })


@endpoint(bp, "/me/feed", "POST", summary="Create or renew the caller's calendar feed",
          tag="me", status=201, response=ref("FeedLinks"),
          description="Makes a new secret for the caller's calendar feed addresses and returns "
                      "them; this is the only time they are shown (only a hash is kept). "
                      "Addresses made before stop working at once.")
def create_feed():
    member = current_member()
    with api_action():
        token = regenerate_feed_token(member)
    links = feed_urls(member, token)
    return jsonify({
        "feed_url": links["member"]["https"], "webcal_url": links["member"]["webcal"],
        "spaces": [{"space_id": space.id, "name": space.name, "url": pair["https"],
                    "webcal_url": pair["webcal"]} for space, pair in links["spaces"]],
        "all_spaces_url": links["all"]["https"] if links["all"] else None,
    }), 201


@endpoint(bp, "/me/feed", "DELETE", summary="Turn off the caller's calendar feed", tag="me",
          status=204, description="The feed addresses stop working at once (404). Nothing "
                                  "happens when there were none.")
def delete_feed():
    with api_action():
        revoke_feed_token(current_member())
    return Response(status=204)


@endpoint(bp, "/me/usage", "GET", summary="The caller's quotas over a month", tag="me",
          response=array_of("QuotaUsage"),
          description="Per quota rule: hours used, allowed and left in the month (monthly "
                      "rules) or in each week starting in it (weekly rules).",
          query=[query_param("period", {"type": "string", "pattern": r"^\d{4}-\d{2}$",
                                        "examples": ["2026-11"]},
                             "The month, YYYY-MM (default: this month).")])
def my_usage(query):
    first = (parse_month(query["period"]) if query["period"]
             else month_start(to_local(clock.now()).date()))
    statuses = quotas.quota_usage_in_month(db.session, current_member(), current_tz(), first)
    return jsonify([{
        "rule_id": s.rule.id, "rule": str(quotas.describe_rule(s.rule)),
        "period": s.rule.period, "period_start": format_instant(s.period_start),
        "period_end": format_instant(s.period_end), "used": hours(s.used),
        "limit": hours(s.limit), "left": hours(s.left), "over_limit": s.rule.over_limit,
    } for s in statuses])
