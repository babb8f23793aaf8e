"""Bank pages: statement import and the reconciliation queue (co-managers), and the payment
QR codes (each member their own; co-managers any account)."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..actions import user_action
from ..domain import bank
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import cooperative_settings
from ..models import BankLine, Member, Organisation
from ..security import role_required
from .forms import (
    AssignForm,
    CsvMappingForm,
    CsvPreviewForm,
    ExpenseFromDebitForm,
    GiveBackForm,
    ImportForm,
    SplitForm,
    account_choices,
    account_value,
    parse_account,
)

bp = Blueprint("bank", __name__, url_prefix="/bank", cli_group=None)

QR_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _qr_response(instructions: bank.PaymentInstructions, fmt: str) -> Response:
    if fmt not in QR_TYPES or not instructions.can_pay:
        abort(404)
    render = bank.qr_png if fmt == "png" else bank.qr_svg
    response = Response(render(instructions.transfer()), mimetype=QR_TYPES[fmt])
    response.headers["Cache-Control"] = "private, no-store"  # the amount due changes
    return response


@bp.route("/qr/me.<fmt>")
@login_required
def my_qr(fmt: str):
    instructions = bank.payment_instructions(db.session, cooperative_settings(),
                                             member=current_user)
    db.session.commit()  # the communication, generated on first need, is kept
    return _qr_response(instructions, fmt)


@bp.route("/qr/members/<int:member_id>.<fmt>")
@role_required("comanager")
def member_qr(member_id: int, fmt: str):
    instructions = bank.payment_instructions(db.session, cooperative_settings(),
                                             member=db.get_or_404(Member, member_id))
    db.session.commit()
    return _qr_response(instructions, fmt)


@bp.route("/qr/organisations/<int:organisation_id>.<fmt>")
@role_required("comanager")
def organisation_qr(organisation_id: int, fmt: str):
    instructions = bank.payment_instructions(
        db.session, cooperative_settings(),
        organisation=db.get_or_404(Organisation, organisation_id))
    db.session.commit()
    return _qr_response(instructions, fmt)


def _mapping_choices():
    return [("", _("None"))] + [(str(m.id), m.bank_name)
                                for m in bank.csv_mappings(db.session)]


@bp.route("/import", methods=["GET", "POST"])
@role_required("comanager")
def import_statement():
    form = ImportForm()
    form.mapping.choices = _mapping_choices()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        with user_action(None, form.file) as done:
            fmt, statements = bank.read_statement_file(
                db.session, upload.read(), form.format.data or None,
                int(form.mapping.data) if form.mapping.data else None)
            result = bank.import_statements(db.session, statements, fmt=fmt,
                                            file_name=upload.filename or "", actor=current_user)
        if not done:
            result = None
    return (render_template("bank/import.html", form=form, result=result),
            422 if form.errors else 200)


@bp.route("/csv-mappings", methods=["GET", "POST"])
@role_required("comanager")
def csv_mappings():
    form = CsvMappingForm()
    if form.validate_on_submit():
        with user_action(_("The CSV columns of this bank are saved."), form.bank_name) as done:
            bank.save_csv_mapping(
                db.session, current_user, bank_name=form.bank_name.data,
                delimiter=form.delimiter.data, date_format=form.date_format.data,
                decimal_comma=form.decimal_comma.data,
                **{name: getattr(form, name).data or "" for name in bank.csv_import_fields})
        if done:
            return redirect(url_for("bank.csv_mappings"))
    return _mappings_page(form, CsvPreviewForm(formdata=None), None)


def _mappings_page(form: CsvMappingForm, upload: CsvPreviewForm,
                   preview: bank.CsvPreview | None):
    headers = [h for h in (form.headers.data or "").split("\n") if h]
    status = 422 if form.errors or upload.errors else 200
    return render_template("bank/csv_mappings.html", form=form, upload=upload,
                           preview=preview, headers=headers,
                           mappings=bank.csv_mappings(db.session)), status


@bp.route("/csv-mappings/preview", methods=["POST"])
@role_required("comanager")
def csv_preview():
    """A bank's export read back: its first rows and the columns guessed, ready to save."""
    upload = CsvPreviewForm()
    form = CsvMappingForm(formdata=None)
    preview = None
    if upload.validate_on_submit():
        with user_action(None, upload.file):
            preview = bank.csv_preview(upload.file.data.read())
        if preview is not None:
            form.headers.data = "\n".join(preview.headers)
            form.delimiter.data, form.date_format.data = preview.delimiter, preview.date_format
            form.decimal_comma.data = preview.decimal_comma
            for name in bank.csv_import_fields:
                getattr(form, name).data = preview.columns.get(name, "")
    return _mappings_page(form, upload, preview)


@bp.route("/queue")
@role_required("comanager")
def queue():
    waiting = bank.lines_waiting(db.session, "queued")
    credits = [line for line in waiting if line.amount_cents > 0]
    returns = [line for line in waiting if line.amount_cents < 0]
    debits = bank.lines_waiting(db.session, "debit")
    context = bank.match_context(db.session)
    accounts = account_choices(
        sorted(((c.account, c.name) for c in context.candidates.values()),
               key=lambda pair: pair[1].lower()))
    suggested = {line.id: bank.suggestions(context, line.amount_cents,
                                           line.counterparty_name) for line in credits}
    return render_template("bank/queue.html", credits=credits, debits=debits,
                           returns=returns,
                           given_back=bank.return_candidates(db.session, returns),
                           suggested=suggested, accounts=accounts, account_value=account_value,
                           formatted=bank.formatted, expense_form=ExpenseFromDebitForm())


def _open_line(line_id: int) -> BankLine:
    return db.get_or_404(BankLine, line_id)


@bp.route("/lines/<int:line_id>/assign", methods=["POST"])
@role_required("comanager")
def assign(line_id: int):
    line = _open_line(line_id)
    form = AssignForm()
    if not form.validate_on_submit():
        flash(_("Choose an account"), "error")
        return redirect(url_for("bank.queue"))
    member_id, organisation_id = parse_account(form.account.data)
    with user_action(_("Payment recorded.")):
        bank.assign_line(db.session, line, actor=current_user, member_id=member_id,
                         organisation_id=organisation_id)
    return redirect(url_for("bank.queue"))


@bp.route("/lines/<int:line_id>/split", methods=["GET", "POST"])
@role_required("comanager")
def split(line_id: int):
    line = _open_line(line_id)
    form = SplitForm()
    accounts = account_choices(bank.candidate_accounts(db.session))
    for part in form.parts:
        part.account.choices = accounts
    if form.validate_on_submit():
        parts = [(parse_account(part.account.data), getattr(part.amount, "cents", 0))
                 for part in form.parts if part.account.data]
        with user_action(_("Payment recorded.")) as done:
            bank.split_line(db.session, line, parts, actor=current_user)
        if done:
            return redirect(url_for("bank.queue"))
    return render_template("bank/split.html", form=form, line=line)


@bp.route("/lines/<int:line_id>/return", methods=["POST"])
@role_required("comanager")
def give_back(line_id: int):
    line = _open_line(line_id)
    form = GiveBackForm()
    if not form.validate_on_submit() or not form.original.data.isdigit():
        flash(_("Choose the transfer it gives back."), "error")
        return redirect(url_for("bank.queue"))
    with user_action(_("The transfer is given back: its payment no longer counts.")):
        bank.give_back(db.session, line, int(form.original.data), actor=current_user)
    return redirect(url_for("bank.queue"))


@bp.route("/lines/<int:line_id>/ignore", methods=["POST"])
@role_required("comanager")
def ignore(line_id: int):
    line = _open_line(line_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_action(_("The line is marked as not ours.")):
        bank.mark_not_ours(db.session, line, actor=current_user)
    return redirect(url_for("bank.queue"))


@bp.route("/lines/<int:line_id>/expense", methods=["POST"])
@role_required("comanager")
def to_expense(line_id: int):
    line = _open_line(line_id)
    form = ExpenseFromDebitForm()
    if not form.validate_on_submit():
        return render_template("bank/expense.html", form=form, line=line), 422
    with user_action(_("The expense is recorded: share it from the costs page.")) as done:
        bank.debit_to_expense(db.session, line, actor=current_user, label=form.label.data,
                              category=form.category.data, method=form.method.data)
    if not done:
        return render_template("bank/expense.html", form=form, line=line), 422
    return redirect(url_for("bank.queue"))


@bp.app_context_processor
def _how_to_pay_helper():
    """`my_payment_instructions()` for the home page, which has no bank code of its own."""

    def my_payment_instructions():
        pay = bank.payment_instructions(db.session, cooperative_settings(),
                                        member=current_user)
        db.session.commit()  # a communication generated on first need is kept
        return pay

    return {"my_payment_instructions": my_payment_instructions}
