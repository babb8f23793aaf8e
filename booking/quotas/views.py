"""Plans and quota rules (co-managers), and the usage report with its CSV."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..domain import quotas, usage
from ..domain.accounts import record_audit
from ..domain.errors import DomainError
from ..extensions import db
from ..forms import EmptyForm, choices
from ..models import Member, Organisation, Plan, QuotaRule, Space
from ..security import role_required
from ..timezones import current_tz, from_local, to_local
from .forms import PlanForm, QuotaRuleForm, UsagePeriodForm

bp = Blueprint("quotas", __name__)


# --- plans -----------------------------------------------------------------------------------

@bp.route("/plans/")
@role_required("comanager")
def plans():
    rows = db.session.execute(
        select(Plan, func.count(Member.id)).outerjoin(Member, Member.plan_id == Plan.id)
        .group_by(Plan.id).order_by(Plan.name)).all()
    rules = db.session.execute(select(QuotaRule).options(
        joinedload(QuotaRule.plan), joinedload(QuotaRule.member),
        joinedload(QuotaRule.organisation), joinedload(QuotaRule.space))
        .order_by(QuotaRule.id)).scalars().all()
    return render_template("quotas/plans.html", rows=rows, rules=rules,
                           describe_rule=quotas.describe_rule,
                           over_limit_labels=quotas.OVER_LIMIT_LABELS)


def _plan_page(plan: Plan | None):
    form = PlanForm(obj=plan)
    if request.method == "GET" and plan is not None:
        form.monthly_fee.data = f"{plan.monthly_fee_cents / 100:.2f}"
    if form.validate_on_submit():
        taken = db.session.execute(select(Plan.id).where(
            func.lower(Plan.name) == form.name.data.strip().lower(),
            Plan.id != (plan.id if plan else -1))).first()
        if taken:
            form.name.errors.append(_("A plan named %(name)s already exists. Choose another "
                                      "name.", name=form.name.data.strip()))
        else:
            plan = plan or Plan()
            plan.name = form.name.data.strip()
            plan.description = form.description.data or ""
            plan.monthly_fee_cents = form.monthly_fee.cents
            plan.shares = form.shares.data or 0
            db.session.add(plan)
            db.session.flush()
            record_audit(db.session, current_user, "plan.save", "plan", plan.id, plan.name)
            db.session.commit()
            flash(_("Plan “%(name)s” saved.", name=plan.name), "success")
            return redirect(url_for("quotas.plans"))
    return render_template("quotas/plan_edit.html", form=form, plan=plan)


@bp.route("/plans/new", methods=["GET", "POST"])
@role_required("comanager")
def new_plan():
    return _plan_page(None)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@role_required("comanager")
def edit_plan(plan_id: int):
    return _plan_page(db.get_or_404(Plan, plan_id))


# --- quota rules -----------------------------------------------------------------------------

def _rule_choices(form: QuotaRuleForm) -> None:
    plans = db.session.execute(select(Plan.id, Plan.name).order_by(Plan.name)).all()
    members = db.session.execute(select(Member.id, Member.name).where(Member.active.is_(True))
                                 .order_by(Member.name)).all()
    organisations = db.session.execute(select(Organisation.id, Organisation.name)
                                       .order_by(Organisation.name)).all()
    spaces = db.session.execute(select(Space.id, Space.name).order_by(Space.name)).all()
    none = [(0, "—")]
    form.plan_id.choices = choices(none + [tuple(r) for r in plans])
    form.member_id.choices = choices(none + [tuple(r) for r in members])
    form.organisation_id.choices = choices(none + [tuple(r) for r in organisations])
    form.space_id.choices = choices(none + [tuple(r) for r in spaces])


def _rule_page(rule: QuotaRule | None):
    form = QuotaRuleForm(obj=rule)
    _rule_choices(form)
    if request.method == "GET":
        if rule is not None:
            form.holder.data = ("plan" if rule.plan_id else "member" if rule.member_id
                                else "organisation")
            form.scope.data = "space" if rule.space_id else "kind"
            form.hours.data = f"{rule.limit_minutes / 60:g}"
            form.peak_weight.data = f"{rule.peak_weight_pct / 100:g}"
            for name in ("plan_id", "member_id", "organisation_id", "space_id"):
                getattr(form, name).data = getattr(rule, name) or 0
        else:
            form.plan_id.data = request.args.get("plan", 0, type=int)
            if form.plan_id.data:
                form.holder.data = "plan"
    if form.validate_on_submit():
        try:
            saved = quotas.save_rule(db.session, rule, form.values())
        except DomainError as error:
            db.session.rollback()
            form.holder.errors.append(str(error))
        else:
            record_audit(db.session, current_user, "quota.save", "quota_rule", saved.id)
            db.session.commit()
            flash(_("Quota saved."), "success")
            return redirect(url_for("quotas.plans"))
    return render_template("quotas/rule_edit.html", form=form, rule=rule)


@bp.route("/quotas/new", methods=["GET", "POST"])
@role_required("comanager")
def new_rule():
    return _rule_page(None)


@bp.route("/quotas/<int:rule_id>/edit", methods=["GET", "POST"])
@role_required("comanager")
def edit_rule(rule_id: int):
    return _rule_page(db.get_or_404(QuotaRule, rule_id))


@bp.route("/quotas/<int:rule_id>/delete", methods=["POST"])
@role_required("comanager")
def delete_rule(rule_id: int):
    rule = db.get_or_404(QuotaRule, rule_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    record_audit(db.session, current_user, "quota.delete", "quota_rule", rule.id)
    db.session.delete(rule)
    db.session.commit()
    flash(_("Quota removed."), "success")
    return redirect(url_for("quotas.plans"))


# --- usage report ----------------------------------------------------------------------------

def report_period(form: UsagePeriodForm, today: date) -> tuple[date, date]:
    """First day and the day after the last, in local dates."""
    day = form.date.data or today
    if form.period.data == "custom" and form.start.data and form.end.data:
        return form.start.data, form.end.data + timedelta(days=1)
    if form.period.data == "year":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)
    if form.period.data == "quarter":
        first_month = (day.month - 1) // 3 * 3 + 1
        start = date(day.year, first_month, 1)
        end_month = first_month + 3
        return start, date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


SORT_KEYS = {
    "member": lambda r: r["member"].name.lower(), "hours": lambda r: r["minutes"],
    "weighted": lambda r: r["weighted"], "share": lambda r: r["share"],
    "late": lambda r: r["late"], "overage": lambda r: r["overage"],
}


def build_report(first: date, after: date) -> dict:
    """Every figure of the report, from usage_by_member: the page and the CSV share it."""
    tz = current_tz()
    start = from_local(datetime.combine(first, time(0)))
    end = from_local(datetime.combine(after, time(0)))
    rows = usage.usage_by_member(db.session, start, end)
    members = {m.id: m for m in db.session.execute(
        select(Member).where(Member.id.in_({r.member_id for r in rows}))).scalars()}
    spaces = db.session.execute(select(Space).order_by(Space.name)).scalars().all()
    space_names = {s.id: s.name for s in spaces}
    total_weighted = sum(r.weighted_minutes for r in rows) or 1
    by_member: dict[int, dict] = {}
    for row in rows:
        entry = by_member.setdefault(row.member_id, {
            "member": members[row.member_id], "minutes": 0.0, "weighted": 0.0, "late": 0,
            "overage": 0, "spaces": {}})
        entry["minutes"] += row.minutes
        entry["weighted"] += row.weighted_minutes
        entry["late"] += row.late_cancellations
        entry["overage"] += row.overage_minutes
        entry["spaces"][space_names[row.space_id]] = row.minutes
    for entry in by_member.values():
        entry["share"] = round(100 * entry["weighted"] / total_weighted, 1)
    by_space = []
    for space in spaces:
        booked = sum(r.minutes for r in rows if r.space_id == space.id)
        opened = usage.open_minutes(space, start, end, tz)
        if booked or space.active:
            by_space.append({"space": space, "minutes": booked, "open": opened,
                             "occupancy": round(100 * booked / opened, 1) if opened else 0.0})
    demand = usage.unmet_demand(db.session, start, end, tz)
    return {"first": first, "last": after - timedelta(days=1), "members": by_member,
            "spaces": by_space, "demand": demand, "space_names": space_names}


@bp.route("/usage/")
@role_required("comanager")
def report():
    form = UsagePeriodForm(request.args)
    if request.args and not form.validate():
        first, after = report_period(UsagePeriodForm(), to_local(clock.now()).date())
    else:
        first, after = report_period(form, to_local(clock.now()).date())
    data = build_report(first, after)
    sort = request.args.get("sort", "hours")
    rows = sorted(data["members"].values(), key=SORT_KEYS.get(sort, SORT_KEYS["hours"]),
                  reverse=sort != "member")
    peak = max([r["weighted"] for r in rows] or [1]) or 1
    return render_template("quotas/report.html", form=form, data=data, rows=rows, sort=sort,
                           peak=peak, args=request.args.to_dict())


@bp.route("/usage/report.csv")
@role_required("comanager")
def report_csv():
    form = UsagePeriodForm(request.args)
    if not form.validate():
        form = UsagePeriodForm()
    first, after = report_period(form, to_local(clock.now()).date())
    data = build_report(first, after)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Member"), _("Email"), _("Hours booked"), _("Weighted hours"),
                     _("Share of the total (%)"), _("Late cancellations"), _("Overage hours")])
    for entry in sorted(data["members"].values(), key=lambda r: r["member"].name.lower()):
        writer.writerow([entry["member"].name, entry["member"].email,
                         f"{entry['minutes'] / 60:.2f}", f"{entry['weighted'] / 60:.2f}",
                         f"{entry['share']:.1f}", entry["late"], f"{entry['overage'] / 60:.2f}"])
    filename = f"usage-{data['first'].isoformat()}-{data['last'].isoformat()}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
