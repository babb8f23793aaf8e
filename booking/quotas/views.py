"""Plans and quota rules (co-managers), and the usage report with its CSV."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..actions import user_action
from ..domain import plans as plan_rules
from ..domain import quotas, usage
from ..domain.accounts import active_member_choices
from ..exports import csv_response
from ..extensions import db
from ..forms import EmptyForm, choices
from ..models import Organisation, Plan, QuotaRule, Space
from ..security import role_required
from ..timezones import current_tz, to_local
from .forms import PlanForm, QuotaRuleForm, UsagePeriodForm

bp = Blueprint("quotas", __name__)


# --- plans -----------------------------------------------------------------------------------

@bp.route("/plans/")
@role_required("comanager")
def plans():
    return render_template("quotas/plans.html",
                           rows=plan_rules.plans_with_member_counts(db.session),
                           rules=quotas.quota_rules(db.session),
                           describe_rule=quotas.describe_rule,
                           over_limit_labels=quotas.OVER_LIMIT_LABELS)


def _plan_page(plan: Plan | None):
    form = PlanForm(obj=plan)
    if request.method == "GET" and plan is not None:
        form.monthly_fee.data = f"{plan.monthly_fee_cents / 100:.2f}"
    if form.validate_on_submit():
        name = form.name.data.strip()
        with user_action(_("Plan “%(name)s” saved.", name=name), form.name) as done:
            plan_rules.save_plan(
                db.session, plan, name=name, description=form.description.data,
                monthly_fee_cents=form.monthly_fee.cents, shares=form.shares.data or 0,
                actor=current_user)
        if done:
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
    organisations = db.session.execute(select(Organisation.id, Organisation.name)
                                       .order_by(Organisation.name)).all()
    spaces = db.session.execute(select(Space.id, Space.name).order_by(Space.name)).all()
    none = [(0, "—")]
    form.plan_id.choices = choices(none + [tuple(r) for r in plans])
    form.member_id.choices = choices(none + active_member_choices(db.session))
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
        with user_action(_("Quota saved."), form.holder) as done:
            quotas.save_rule(db.session, rule, form.values(), actor=current_user)
        if done:
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
    with user_action(_("Quota removed.")):
        quotas.delete_rule(db.session, rule, actor=current_user)
    return redirect(url_for("quotas.plans"))


# --- usage report ----------------------------------------------------------------------------

SORT_KEYS = {
    "member": lambda r: r.member.name.lower(), "hours": lambda r: r.minutes,
    "weighted": lambda r: r.weighted_minutes, "share": lambda r: r.share_pct,
    "late": lambda r: r.late_cancellations, "overage": lambda r: r.overage_minutes,
}


def _report(form: UsagePeriodForm) -> usage.UsageReport:
    """The report of the period the form asks for (this month when it asks nothing valid)."""
    today = to_local(clock.now()).date()
    first, after = usage.report_period(form.period.data, form.date.data or today,
                                       form.start.data, form.end.data)
    return usage.usage_report(db.session, first, after, current_tz())


@bp.route("/usage/")
@role_required("comanager")
def report():
    form = UsagePeriodForm(request.args)
    valid = not request.args or form.validate()
    data = _report(form if valid else UsagePeriodForm())
    sort = request.args.get("sort", "hours")
    rows = sorted(data.members, key=SORT_KEYS.get(sort, SORT_KEYS["hours"]),
                  reverse=sort != "member")
    peak = max([r.weighted_minutes for r in rows] or [1]) or 1
    return render_template("quotas/report.html", form=form, data=data, rows=rows, sort=sort,
                           peak=peak, args=request.args.to_dict())


@bp.route("/usage/report.csv")
@role_required("comanager")
def report_csv():
    """The page's three tables, one after the other, each under its title after a blank row."""
    form = UsagePeriodForm(request.args)
    data = _report(form if form.validate() else UsagePeriodForm())
    header = [_("Member"), _("Email"), _("Hours booked"), _("Weighted hours"),
              _("Share of the total (%)"), _("Late cancellations"), _("Overage hours")]
    rows = [[r.member.name, r.member.email, _hours(r.minutes), _hours(r.weighted_minutes),
             f"{r.share_pct:.1f}", r.late_cancellations, _hours(r.overage_minutes)]
            for r in data.members]
    rows += [[], [_("Occupancy per space")],
             [_("Space"), _("Hours booked"), _("Hours open"), _("Occupancy (%)")]]
    rows += [[s.space.name, _hours(s.minutes), _hours(s.open_minutes), f"{s.occupancy_pct:.1f}"]
             for s in data.spaces]
    rows += [[], [_("Unmet demand")],
             [_("Space"), _("Refused hours"), _("Weekdays, daytime"), _("Evenings (from 18:00)"),
              _("Weekends"), _("Taken"), _("Closed"), _("Quota")]]
    rows += [[data.space_names.get(d.space_id, "?"), _hours(d.refused_minutes)]
             + [_hours(d.by_band.get(band, 0)) for band in ("day", "evening", "weekend")]
             + [_hours(d.by_reason.get(reason, 0)) for reason in ("conflict", "closure", "quota")]
             for d in data.demand]
    return csv_response(f"usage-{data.first.isoformat()}-{data.last.isoformat()}.csv",
                        header, rows)


@bp.route("/usage/no-shows.csv")
@role_required("comanager")
def no_shows_csv():
    """The page's no-show table: per member and space."""
    form = UsagePeriodForm(request.args)
    data = _report(form if form.validate() else UsagePeriodForm())
    return csv_response(
        f"no-shows-{data.first.isoformat()}-{data.last.isoformat()}.csv",
        [_("Member"), _("Space"), _("No-shows"), _("Hours booked")],
        ([n.member_name, data.space_names.get(n.space_id, ""), n.count,
          _hours(n.minutes)] for n in data.no_shows))


@bp.route("/usage/equipment.csv")
@role_required("comanager")
def equipment_csv():
    """The page's equipment table: reserved unit-hours per item."""
    form = UsagePeriodForm(request.args)
    data = _report(form if form.validate() else UsagePeriodForm())
    return csv_response(
        f"equipment-{data.first.isoformat()}-{data.last.isoformat()}.csv",
        [_("Equipment"), _("Quantity"), _("Bookings"), _("Unit-hours reserved")],
        ([e.name, e.quantity, e.bookings, _hours(e.unit_minutes)]
         for e in data.equipment))


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.2f}"
