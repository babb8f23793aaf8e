"""Costs and accounts: co-managers share costs and record payments; members read their
statement and declare payments."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..actions import user_action
from ..confirmation import confirmation_page, confirmed
from ..domain import attachments, bank, ledger
from ..domain.accounts import active_member_choices
from ..domain.errors import DomainError
from ..domain.periods import month_end, month_start
from ..exports import content_disposition, csv_response
from ..extensions import db
from ..formatting import format_date, format_decimal
from ..forms import EmptyForm, choices
from ..i18n import cooperative_settings
from ..models import Allocation, Deposit, Expense, LedgerEntry, Member, Organisation, Payment, Space
from ..security import role_required
from ..timezones import current_tz, to_local
from .forms import (
    CATEGORY_LABELS,
    METHOD_LABELS,
    ContributionForm,
    CorrectionForm,
    DeclarePaymentForm,
    DepositForm,
    ExpenseForm,
    MonthForm,
    PaymentForm,
    PeriodForm,
)

bp = Blueprint("ledger", __name__, url_prefix="/ledger")


def _today() -> date:
    return to_local(clock.now()).date()


def _member_choices(form_field) -> None:
    form_field.choices = choices(active_member_choices(db.session))


@bp.app_template_filter("basis")
def describe_basis(entry_or_basis) -> str:
    """Why an allocation line is what it is, in the reader's language."""
    raw = entry_or_basis.basis if isinstance(entry_or_basis, LedgerEntry) else entry_or_basis
    basis = json.loads(raw) if isinstance(raw, str) and raw else (raw or {})
    return _describe(basis)


def _describe(basis: dict) -> str:
    method = basis.get("method")
    if method == "usage":
        percent = 100 * basis["minutes"] / basis["total"] if basis["total"] else 0
        text = _("%(hours)s h of %(total)s h weighted, %(percent)s %%",
                 hours=_one_decimal(basis["minutes"] / 60),
                 total=_one_decimal(basis["total"] / 60), percent=_one_decimal(percent))
        return (_("%(text)s in %(space)s", text=text, space=basis["space"])
                if basis.get("space") else text)
    if method == "shares":
        return ngettext("%(shares)d of %(num)d share", "%(shares)d of %(num)d shares",
                        basis["total"], shares=basis["shares"])
    if method == "equal":
        return ngettext("an equal part among %(num)d member", "an equal part among %(num)d members",
                        basis["count"])
    if method == "mixed":
        parts = " + ".join(_describe(p) for p in basis.get("parts", []))
        return _("mixed (%(percent)d %% fixed): %(parts)s", percent=basis["percent"],
                 parts=parts)
    if method == "contribution":
        return _("%(hours)s h of volunteer work", hours=_one_decimal(basis["minutes"] / 60))
    if method == "overage":
        return _("%(hours)s h beyond the quota", hours=_one_decimal(basis["minutes"] / 60))
    return ""


def _one_decimal(value: float) -> str:
    return format_decimal(value, "#,##0.0")


# --- overview --------------------------------------------------------------------------------

@bp.route("/")
@role_required("comanager")
def overview():
    accounts = ledger.balances(db.session)
    return render_template(
        "ledger/overview.html", accounts=accounts, pending=ledger.pending_payments(db.session),
        closed=ledger.closed_months(db.session), plan=ledger.settlement_plan(accounts),
        owed=sum(a.balance_cents for a in accounts if a.balance_cents > 0),
        month_form=MonthForm(), today=_today())


# --- expenses --------------------------------------------------------------------------------

@bp.route("/expenses/", methods=["GET", "POST"])
@role_required("comanager")
def expenses():
    form = ExpenseForm()
    spaces = db.session.execute(select(Space.id, Space.name).order_by(Space.name)).all()
    form.space_id.choices = choices([(0, _("All spaces"))] + [tuple(s) for s in spaces])
    form.advanced_by_id.choices = choices([(0, _("Nobody: the collective pays"))]
                                          + active_member_choices(db.session))
    if request.method == "GET":
        today = _today()
        form.spent_on.data = today
        form.period_start.data = month_start(today)
        form.period_end.data = month_end(today)
    stored = None
    valid = form.validate_on_submit()
    if valid and form.attachment.data:
        try:
            stored = attachments.store_attachment(
                form.attachment.data.read(attachments.MAX_BYTES + 1),
                Path(current_app.instance_path) / "attachments",
                original_name=form.attachment.data.filename)
        except DomainError as error:
            form.attachment.errors.append(str(error))
            valid = False
    if valid:
        with user_action(_("Cost recorded. Preview how it is shared, then post it."),
                         form.label) as done:
            expense = ledger.create_expense(
                db.session, actor=current_user, label=form.label.data,
                category=form.category.data, amount_cents=form.amount.cents,
                spent_on=form.spent_on.data, period_start=form.period_start.data,
                period_end=form.period_end.data, space_id=form.space_id.data or None,
                method=form.method.data, mixed_percent=form.mixed_percent.data,
                mixed_base=form.mixed_base.data, spread_months=form.spread_months.data or 1,
                advanced_by_id=form.advanced_by_id.data or None,
                attachment=(attachments.display_name(form.attachment.data.filename), *stored)
                if stored else None)
            expense_id = expense.id
        if done:
            return redirect(url_for("ledger.expense", expense_id=expense_id))
    return render_template("ledger/expenses.html", form=form,
                           expenses=ledger.expenses_listing(db.session),
                           category_labels=CATEGORY_LABELS, method_labels=METHOD_LABELS)


@bp.route("/expenses/<int:expense_id>")
@role_required("comanager")
def expense(expense_id: int):
    item = ledger.expense_with_allocations(db.session, expense_id)
    if item is None:
        abort(404)
    portion = request.args.get("portion", type=int)
    parts = ledger.portions(item)
    preview, error = None, None
    if portion is not None and 0 <= portion < len(parts):
        try:
            preview = ledger.preview_allocation(db.session, item, portion, current_tz())
        except DomainError as problem:
            error = str(problem)
    sharing = (ledger.participations(db.session, item) if ledger.uses_equal_share(item)
               else [])
    return render_template("ledger/expense.html", expense=item, parts=parts,
                           posted={a.portion: a for a in item.allocations}, portion=portion,
                           preview=preview, error=error, sharing=sharing,
                           entries=ledger.allocation_entries(db.session, item),
                           method_labels=METHOD_LABELS, category_labels=CATEGORY_LABELS,
                           correction_form=CorrectionForm())


@bp.route("/expenses/<int:expense_id>/participants", methods=["POST"])
@role_required("comanager")
def participants(expense_id: int):
    """Who shares the equal part of this cost: the ticked members, for every later post."""
    item = db.get_or_404(Expense, expense_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    member_ids = [int(v) for v in request.form.getlist("member_id") if v.isdigit()]
    with user_action(_("Saved: the equal part is shared by the members ticked.")):
        ledger.choose_participants(db.session, item, member_ids, actor=current_user)
    portion = request.form.get("portion", type=int)
    return redirect(url_for("ledger.expense", expense_id=expense_id, portion=portion))


@bp.route("/expenses/<int:expense_id>/invoice")
@role_required("comanager")
def invoice(expense_id: int):
    item = db.get_or_404(Expense, expense_id)
    if not item.attachment_file:
        abort(404)
    response = send_from_directory(Path(current_app.instance_path) / "attachments",
                                   item.attachment_file, mimetype=item.attachment_type)
    response.headers["Content-Disposition"] = content_disposition(
        attachments.display_name(item.attachment_name))
    return response


@bp.route("/deposits", methods=["GET", "POST"])
@role_required("comanager")
def deposits():
    form = DepositForm()
    _member_choices(form.member_id)
    if request.method == "GET":
        form.received_on.data = _today()
    if form.validate_on_submit():
        with user_action(_("Deposit recorded. It is kept apart from the member's charges."),
                         form.amount) as done:
            ledger.record_deposit(db.session, member_id=form.member_id.data,
                                  amount_cents=form.amount.cents,
                                  received_on=form.received_on.data,
                                  description=form.description.data, actor=current_user)
        if done:
            return redirect(url_for("ledger.deposits"))
    held = ledger.deposits_held(db.session)
    return render_template("ledger/deposits.html", form=form, deposits=held.deposits,
                           held=held.held_cents)


@bp.route("/deposits/<int:deposit_id>/return", methods=["POST"])
@role_required("comanager")
def return_deposit(deposit_id: int):
    deposit = db.get_or_404(Deposit, deposit_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if deposit.returned_on is None:
        with user_action(_("Deposit marked as returned.")):
            ledger.return_deposit(db.session, deposit, day=_today(), actor=current_user)
    return redirect(url_for("ledger.deposits"))


@bp.route("/expenses/<int:expense_id>/post/<int:portion>", methods=["POST"])
@role_required("comanager")
def post(expense_id: int, portion: int):
    item = db.get_or_404(Expense, expense_id)
    if not EmptyForm().validate_on_submit() or not 0 <= portion < len(ledger.portions(item)):
        abort(400)
    if not confirmed():
        return confirmation_page(
            _("Post these amounts to the members' accounts?"),
            _("Posted lines are never changed: a mistake is fixed by a correction that stays "
              "in the history."),
            _("Yes, post them"), url_for("ledger.expense", expense_id=expense_id))
    with user_action(_("Posted: each member's account shows its part.")):
        ledger.post_allocation(db.session, item, portion, actor=current_user, tz=current_tz())
    return redirect(url_for("ledger.expense", expense_id=expense_id))


@bp.route("/allocations/<int:allocation_id>/correct", methods=["POST"])
@role_required("comanager")
def correct(allocation_id: int):
    allocation = db.get_or_404(Allocation, allocation_id)
    expense_id = allocation.expense_id
    form = CorrectionForm()
    if not form.validate_on_submit():
        flash(_("Say why you correct this allocation: it stays in the history."), "error")
    else:
        with user_action(_("Corrected: the old lines are reversed and new ones posted.")):
            ledger.correct_allocation(db.session, allocation, actor=current_user,
                                      reason=form.reason.data, tz=current_tz())
    return redirect(url_for("ledger.expense", expense_id=expense_id))


# --- payments, contributions, charges, months ------------------------------------------------

@bp.route("/payments/new", methods=["GET", "POST"])
@role_required("comanager")
def new_payment():
    form = PaymentForm()
    _member_choices(form.member_id)
    if request.method == "GET":
        form.paid_on.data = _today()
        form.member_id.data = request.args.get("member", type=int)
    if form.validate_on_submit():
        member = db.get_or_404(Member, form.member_id.data)
        with user_action(_("Payment recorded."), form.amount) as done:
            ledger.record_payment(db.session, member=member, amount_cents=form.amount.cents,
                                  paid_on=form.paid_on.data, method=form.method.data,
                                  reference=form.reference.data or "", actor=current_user)
        if done:
            return redirect(url_for("ledger.overview"))
    return render_template("ledger/payment.html", form=form)


@bp.route("/payments/<int:payment_id>/<any(confirm, reject):decision>", methods=["POST"])
@role_required("comanager")
def decide_payment(payment_id: int, decision: str):
    payment = db.get_or_404(Payment, payment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if decision == "confirm":
        with user_action(_("Payment confirmed.")):
            ledger.confirm_payment(db.session, payment, actor=current_user)
    else:
        with user_action(_("Payment rejected.")):
            ledger.reject_payment(db.session, payment, actor=current_user)
    return redirect(url_for("ledger.overview"))


@bp.route("/contributions/new", methods=["GET", "POST"])
@role_required("comanager")
def new_contribution():
    form = ContributionForm()
    _member_choices(form.member_id)
    if request.method == "GET":
        form.day.data = _today()
    rate = cooperative_settings().contribution_rate_cents
    if form.validate_on_submit():
        member = db.get_or_404(Member, form.member_id.data)
        with user_action(_("Contribution credited."), form.hours) as done:
            ledger.record_contribution(
                db.session, member=member, minutes=form.hours.minutes, day=form.day.data,
                description=form.description.data, rate_cents=rate, actor=current_user)
        if done:
            return redirect(url_for("ledger.overview"))
    return render_template("ledger/contribution.html", form=form, rate=rate)


@bp.route("/months/<any(charges, close):action>", methods=["POST"])
@role_required("comanager")
def month_action(action: str):
    form = MonthForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.month.errors), "error")
    elif action == "charges":
        with user_action() as done:
            count = ledger.post_monthly_charges(db.session, form.month.first_day,
                                                actor=current_user, tz=current_tz())
        if done:
            flash(ngettext("%(num)d fee or overage charge posted.",
                           "%(num)d fees and overage charges posted.", count), "success")
    elif not confirmed():
        return confirmation_page(
            _("Close %(month)s?", month=format_date(form.month.first_day, "month")),
            _("Nothing more can be posted in a closed month."), _("Yes, close the month"),
            url_for("ledger.overview"))
    else:
        with user_action(_("Month closed: nothing more can be posted in it.")):
            ledger.close_month(db.session, form.month.first_day, actor=current_user)
    return redirect(url_for("ledger.overview"))


# --- statements ------------------------------------------------------------------------------

def _statement_page(member: Member | None, organisation: Organisation | None):
    lines = ledger.statement(db.session, member_id=member.id if member else None,
                             organisation_id=organisation.id if organisation else None)
    form = DeclarePaymentForm()
    if member is not None and member.id == current_user.id and form.validate_on_submit():
        with user_action(_("Thank you: a co-manager will confirm your payment."),
                         form.amount) as done:
            ledger.declare_payment(db.session, member=member, amount_cents=form.amount.cents,
                                   paid_on=form.paid_on.data, method=form.method.data,
                                   reference=form.reference.data or "")
        if done:
            return redirect(request.path)
    if request.method == "GET":
        form.paid_on.data = _today()
    pay, qr_url, svg_url = _how_to_pay(member, organisation)
    return render_template("ledger/statement.html", lines=lines, member=member,
                           organisation=organisation, form=form,
                           balance=lines[-1].balance_cents if lines else 0, pay=pay,
                           qr_url=qr_url, svg_url=svg_url)


def _how_to_pay(member: Member | None, organisation: Organisation | None):
    """The payment details of the account shown, and its QR code's addresses."""
    pay = bank.payment_instructions(db.session, cooperative_settings(), member=member,
                                    organisation=organisation)
    db.session.commit()  # the structured communication, generated on first need, is kept
    if member is not None and member.id == current_user.id:
        urls = [url_for("bank.my_qr", fmt=fmt) for fmt in ("png", "svg")]
    elif member is not None:
        urls = [url_for("bank.member_qr", member_id=member.id, fmt=f) for f in ("png", "svg")]
    else:
        urls = [url_for("bank.organisation_qr", organisation_id=organisation.id, fmt=f)
                for f in ("png", "svg")]
    return pay, *urls


@bp.route("/statement", methods=["GET", "POST"])
@login_required
def my_statement():
    return _statement_page(current_user, None)


@bp.route("/members/<int:member_id>")
@role_required("comanager")
def member_statement(member_id: int):
    return _statement_page(db.get_or_404(Member, member_id), None)


@bp.route("/organisations/<int:organisation_id>")
@role_required("comanager")
def organisation_statement(organisation_id: int):
    return _statement_page(None, db.get_or_404(Organisation, organisation_id))


def _cents(value: int) -> str:
    return f"{value / 100:.2f}"


@bp.route("/statement.csv")
@login_required
def my_statement_csv():
    header = [_("Date"), _("Description"), _("Basis"), _("Charge"), _("Payment"),
              _("Contribution"), _("Balance")]
    rows = ([line.entry.entry_date.isoformat(), line.entry.description,
             describe_basis(line.entry), _cents(line.charge_cents), _cents(line.payment_cents),
             _cents(line.contribution_cents), _cents(line.balance_cents)]
            for line in ledger.statement(db.session, member_id=current_user.id))
    return csv_response("statement.csv", header, rows)


# --- fairness and accounting export ----------------------------------------------------------

def _period(form: PeriodForm) -> tuple[date, date]:
    first = form.start.data or month_start(_today())
    last = form.end.data or month_end(first)
    if last < first:
        first, last = last, first
    return first, last


@bp.route("/fairness")
@role_required("comanager")
def fairness():
    form = PeriodForm(request.args)
    form.validate()
    first, last = _period(form)
    rows = ledger.fairness(db.session, first, last, current_tz())
    return render_template("ledger/fairness.html", rows=rows, form=form, first=first, last=last)


@bp.route("/export.csv")
@role_required("comanager")
def export_csv():
    """Entries of a period as an accountant imports them: date, account, description, debit,
    credit, reference."""
    form = PeriodForm(request.args)
    form.validate()
    first, last = _period(form)
    rows = ([entry.entry_date.isoformat(),
             (f"member:{entry.member.email}" if entry.member
              else f"organisation:{entry.organisation.name}"),
             entry.description, _cents(max(entry.amount_cents, 0)),
             _cents(max(-entry.amount_cents, 0)),
             (f"A{entry.allocation_id}" if entry.allocation_id else
              f"P{entry.payment_id}" if entry.payment_id else f"E{entry.id}")]
            for entry in ledger.entries_between(db.session, first, last))
    return csv_response(f"ledger-{first.isoformat()}-{last.isoformat()}.csv",
                        ["date", "account", "description", "debit", "credit", "reference"], rows)
