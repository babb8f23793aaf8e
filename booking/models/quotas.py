"""Quota rules: how many hours a plan, a member or an organisation may book per period."""
from __future__ import annotations

from datetime import time

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member, Organisation, Plan
from .spaces import Space

OVER_LIMIT = ("refuse", "approval", "overage")
PERIODS = ("week", "month")


class QuotaRule(db.Model):
    """A limit of hours per calendar week or month, for one space or a kind of space.

    It applies to exactly one of: a plan (its members), a member (overriding the plan's rule
    for the same space and period), or an organisation (one pool shared by its members).
    Hours may be weighted: evenings from `peak_from` and weekends count `peak_weight_pct` %.
    """

    __tablename__ = "quota_rules"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN plan_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN member_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_holder"),
        CheckConstraint("(space_id IS NULL) <> (space_kind IS NULL)", name="one_scope"),
        CheckConstraint("period IN ('week', 'month')", name="period_known"),
        CheckConstraint("over_limit IN ('refuse', 'approval', 'overage')",
                        name="over_limit_known"),
        CheckConstraint("limit_minutes >= 0", name="limit_not_negative"),
        CheckConstraint("peak_weight_pct >= 100", name="peak_weight_at_least_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))
    space_kind: Mapped[str | None] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8), default="month")
    limit_minutes: Mapped[int] = mapped_column(Integer)
    over_limit: Mapped[str] = mapped_column(String(16), default="refuse")
    peak_weight_pct: Mapped[int] = mapped_column(Integer, default=100)
    peak_from: Mapped[time | None] = mapped_column(Time)
    peak_weekends: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[Plan | None] = relationship()
    member: Mapped[Member | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    space: Mapped[Space | None] = relationship()
