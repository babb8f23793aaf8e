"""Paying and reconciling: the caller's payment details, statement import and the queue of
bank lines (co-managers)."""
from __future__ import annotations

from flask import Response, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from ..domain import bank
from ..extensions import db
from ..i18n import cooperative_settings
from ..models import BankLine, CsvMapping, Member, Organisation
from . import bank_schemas  # noqa: F401  (registers the schemas)
from .actions import api_action
from .auth import comanager_required, current_member
from .blueprint import bp
from .json import get_object
from .openapi import endpoint, query_param, ref
from .problems import ApiProblem


def _my_instructions() -> bank.PaymentInstructions:
    member = db.session.get(Member, current_member().id)
    return bank.payment_instructions(db.session, cooperative_settings(), member=member)


@endpoint(bp, "/me/payment-instructions", "GET", summary="How the caller pays what is due",
          tag="bank", response=ref("PaymentInstructions"),
          description="The amount due on the account that pays the caller's charges (their "
                      "organisation's when it pays for its members), the cooperative's IBAN, "
                      "BIC and name, the account's permanent structured communication, and the "
                      "EPC QR code (PNG) a banking app scans. iban, bic and qr_png_url are "
                      "null until co-managers give the bank account in the settings.")
def my_payment_instructions():
    with api_action():
        pay = _my_instructions()
    return jsonify({
        "amount_due_cents": pay.amount_due_cents, "iban": pay.iban or None,
        "bic": pay.bic or None, "beneficiary": pay.beneficiary,
        "structured_communication": pay.structured_communication,
        "qr_png_url": url_for("api.my_payment_qr", _external=True) if pay.can_pay else None,
    })


@endpoint(bp, "/me/payment-qr.png", "GET", summary="The caller's EPC QR code (PNG)",
          tag="bank", errors=(404,),
          description="An image/png EPC069-12 QR code with the amount due and the structured "
                      "communication; 404 until the bank account is in the settings.")
def my_payment_qr():
    with api_action():
        pay = _my_instructions()
    if not pay.can_pay:
        raise ApiProblem(404, _l("The cooperative's bank account is not set yet."), "not-found")
    return Response(bank.qr_png(pay.transfer()), mimetype="image/png")


def _account_name(account) -> str:
    member_id, organisation_id = account
    owner = (db.session.get(Member, member_id) if member_id
             else db.session.get(Organisation, organisation_id))
    return owner.name if owner else ""


@endpoint(bp, "/bank-statements", "POST", summary="Import a bank statement", tag="bank",
          comanager=True, status=201, response=ref("StatementImport"), errors=(422,),
          description="multipart/form-data: `file` (CAMT.053 XML with one or several "
                      "statements, or CSV read with the first saved bank mapping, or "
                      "`mapping_id`), optional `format` camt053 | csv (guessed otherwise). "
                      "Lines already imported count as duplicates and create nothing. A "
                      "CAMT.053 statement whose opening balance plus its movements is not its "
                      "closing balance is a 422 and nothing of the file is imported. Only "
                      "booked entries are imported and checked against the balances: "
                      "`pending` counts the entries the bank has not booked yet (CAMT.053 "
                      "status PDNG), left for the later statement where they come back "
                      "booked.")
@comanager_required
def import_bank_statement():
    upload = request.files.get("file")
    fmt = request.form.get("format") or None
    if upload is None:
        raise ApiProblem(422, _l("Send the statement as the multipart field `file`."),
                         "validation-error", field="file")
    if fmt not in (None, "camt053", "csv"):
        raise ApiProblem(422, _l("The format is camt053 or csv."), "validation-error",
                         field="format")
    mapping = request.form.get("mapping_id")
    with api_action():
        fmt, statements = bank.read_statement_file(
            db.session, upload.read(), fmt, int(mapping) if mapping and mapping.isdigit()
            else None)
        result = bank.import_statements(db.session, statements, fmt=fmt,
                                        file_name=upload.filename or "",
                                        actor=current_member())
    return jsonify({
        "lines": result.lines, "matched": result.matched, "queued": result.queued,
        "duplicates": result.duplicates, "pending": result.pending,
        "payments": [{"payment_id": p.payment.id, "account": {
            "member_id": p.account[0], "organisation_id": p.account[1],
            "name": p.account_name}, "amount_cents": p.payment.amount_cents,
            "matched_by": p.matched_by} for p in result.payments],
    }), 201


def _mapping_json(mapping: CsvMapping) -> dict:
    return {"id": mapping.id, "bank_name": mapping.bank_name, "delimiter": mapping.delimiter,
            "date_format": mapping.date_format, "decimal_comma": mapping.decimal_comma,
            **{name: getattr(mapping, name) for name in bank.csv_import_fields}}


@endpoint(bp, "/bank-csv-mappings", "GET", summary="The saved CSV column mappings", tag="bank",
          comanager=True, response={"type": "array", "items": ref("CsvMapping")},
          description="One per bank, by name: the `mapping_id` to give when importing a CSV "
                      "statement.")
@comanager_required
def csv_mappings():
    return jsonify([_mapping_json(m) for m in bank.csv_mappings(db.session)])


@endpoint(bp, "/bank-csv-mappings", "POST", summary="Save a bank's CSV column mapping",
          tag="bank", comanager=True, status=201, body=ref("CsvMappingSave"),
          response=ref("CsvMapping"), errors=(422,),
          also={200: "The bank's mapping, replaced by this one."},
          description="Creates the bank's mapping (201), or replaces the one saved under the "
                      "same bank_name (200), as the CSV mappings page does. A date format "
                      "that cannot read a date, or both an amount column and debit/credit "
                      "columns, is a 422 and nothing is saved.")
@comanager_required
def save_csv_mapping(body):
    known = {m.bank_name for m in bank.csv_mappings(db.session)}
    with api_action():
        mapping = bank.save_csv_mapping(
            db.session, current_member(), bank_name=body["bank_name"],
            delimiter=body.get("delimiter", ";"), date_format=body.get("date_format", ""),
            decimal_comma=body.get("decimal_comma", True),
            **{name: body.get(name, "") for name in bank.csv_import_fields})
        answer = _mapping_json(mapping)
    return jsonify(answer), 200 if answer["bank_name"] in known else 201


def _line_json(line: BankLine) -> dict:
    return {
        "id": line.id, "booked_on": line.booked_on.isoformat(),
        "amount_cents": line.amount_cents, "counterparty_name": line.counterparty_name,
        "counterparty_iban": line.counterparty_iban, "communication": line.communication,
        "structured_communication": bank.formatted(line.structured) if line.structured
        else None, "bank_reference": line.bank_reference, "status": line.status,
        "matched_by": line.matched_by, "member_id": line.member_id,
        "organisation_id": line.organisation_id,
        "proposed": {"member_id": line.proposed_member_id,
                     "organisation_id": line.proposed_organisation_id}
        if line.proposed_member_id or line.proposed_organisation_id else None,
    }


@endpoint(bp, "/bank-lines", "GET", summary="Bank lines by status", tag="bank",
          comanager=True, response={"type": "array", "items": ref("BankLine")},
          query=[query_param("status", {"type": "string", "enum": [
              "queued", "debit", "matched", "ignored", "expense", "returned"]},
              "Which lines (default: queued, the credits waiting for a co-manager, and the "
              "returned transfers, amount_cents below zero, whose original was not found).")])
@comanager_required
def bank_lines(query):
    return jsonify([_line_json(line)
                    for line in bank.lines_waiting(db.session, query["status"] or "queued")])


@endpoint(bp, "/bank-lines/<int:line_id>/assign", "POST", summary="Say whose payment a line is",
          tag="bank", comanager=True, response=ref("BankLine"), body=ref("BankLineAssign"),
          errors=(409, 422),
          description="A 422 when the account is not one a payment can go to: an unknown "
                      "member or organisation, or an organisation that does not pay for its "
                      "members (its members pay on their own accounts).")
@comanager_required
def assign_bank_line(line_id: int, body):
    line = get_object(BankLine, line_id)
    with api_action():
        bank.assign_line(db.session, line, actor=current_member(),
                         member_id=body.get("member_id"),
                         organisation_id=body.get("organisation_id"))
    return jsonify(_line_json(line))


@endpoint(bp, "/bank-lines/<int:line_id>/give-back", "POST",
          summary="Say which transfer a returned one gives back", tag="bank", comanager=True,
          response=ref("BankLine"), body=ref("BankLineGiveBack"), errors=(409, 422),
          description="For a line the bank gave back whose original was not found (queued, "
                      "amount_cents below zero): `original_line_id` is the credit it returns, "
                      "of the same amount, received before. Its payment is reversed in the "
                      "ledger (a credit still queued leaves the queue with it). 409 when the "
                      "line is no waiting return; 422 when the original is not one it can "
                      "give back.")
@comanager_required
def give_back_bank_line(line_id: int, body):
    line = get_object(BankLine, line_id)
    with api_action():
        bank.give_back(db.session, line, body["original_line_id"], actor=current_member())
        answer = _line_json(line)
    return jsonify(answer)


@endpoint(bp, "/bank-lines/<int:line_id>/ignore", "POST", summary="Mark a line as not ours",
          tag="bank", comanager=True, response=ref("BankLine"), errors=(409,),
          description="Money that concerns no account (a refund, a gift, a bank fee): kept, "
                      "status ignored, out of the queue. 409 once the line is handled.")
@comanager_required
def ignore_bank_line(line_id: int):
    line = get_object(BankLine, line_id)
    with api_action():
        bank.mark_not_ours(db.session, line, actor=current_member())
        answer = _line_json(line)
    return jsonify(answer)
