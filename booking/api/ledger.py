"""The shared costs: the caller's account, every balance, expenses and how they are shared,
payments received."""
from __future__ import annotations

import json
from datetime import date

from flask import jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..domain import ledger
from ..extensions import db
from ..models import Expense, LedgerEntry, Member, Payment
from ..timezones import current_tz, to_local
from .actions import api_action
from .auth import comanager_required, current_member
from .blueprint import bp
from .inputs import parse_date
from .json import expense_json, get_object
from .openapi import array_of, endpoint, query_param, ref
from .problems import ApiProblem


def _basis(raw: str) -> dict:
    """An entry's stored basis (why this amount), decoded."""
    return json.loads(raw) if raw else {}


def _today() -> date:
    return to_local(clock.now()).date()


@endpoint(bp, "/me/ledger", "GET", summary="The caller's account: balance and entries",
          tag="ledger", response=ref("MyLedger"),
          description="The caller's own entries in date order with the running balance "
                      "(+ owed to the collective, - paid or credited). Nobody reads another "
                      "member's account here; co-managers use /ledger/balances. When the "
                      "caller's organisation pays for its members, their charges go to the "
                      "organisation's account (organisation_id).")
def my_ledger():
    member = db.session.execute(select(Member).options(joinedload(Member.organisation))
                                .where(Member.id == current_member().id)).scalar_one()
    _member_id, organisation_id = ledger.account_of(member)
    lines = ledger.statement(db.session, member_id=member.id)
    return jsonify({
        "member_id": member.id, "organisation_id": organisation_id,
        "balance_cents": lines[-1].balance_cents if lines else 0,
        "entries": [{
            "id": line.entry.id, "date": line.entry.entry_date.isoformat(),
            "kind": line.entry.kind, "description": line.entry.description,
            "amount_cents": line.entry.amount_cents, "balance_cents": line.balance_cents,
            "basis": _basis(line.entry.basis), "allocation_id": line.entry.allocation_id,
            "payment_id": line.entry.payment_id, "reverses_id": line.entry.reverses_id,
            "reason": line.entry.reason,
        } for line in lines],
    })


@endpoint(bp, "/ledger/balances", "GET", summary="Every account's balance", tag="ledger",
          comanager=True, response=array_of("Balance"), read_only=True,
          description="One row per account with entries, by name: members (organisation_id "
                      "null) and organisations that pay for their members (member_id null). "
                      "Summed in the database, one query.")
@comanager_required
def ledger_balances():
    return jsonify([{"member_id": b.member_id, "organisation_id": b.organisation_id,
                     "name": b.name, "balance_cents": b.balance_cents}
                    for b in ledger.balances(db.session)])


@endpoint(bp, "/expenses", "POST", summary="Record a cost to share", tag="ledger",
          comanager=True, status=201, body=ref("ExpenseCreate"), response=ref("Expense"),
          description="Same checks as the cost form: amount_cents above zero, period_end on "
                      "or after period_start, a known category, fixed_percent (0 to 100) for "
                      "a mixed key. `participant_ids` chooses who shares an equal part, as the "
                      "cost page does (active members only). Nothing is shared yet: preview "
                      "and post the split with /expenses/{expense_id}/allocate.")
@comanager_required
def create_expense(body):
    key = body["allocation"]
    if key["method"] == "mixed" and "fixed_percent" not in key:
        raise ApiProblem(422, _l("A mixed allocation needs allocation/fixed_percent: the "
                                 "percent (0 to 100) shared by shares or equally, the rest "
                                 "being shared by usage."), "validation-error")
    period_start = parse_date(body["period_start"], "period_start")
    period_end = parse_date(body["period_end"], "period_end")
    spent_on = parse_date(body["spent_on"], "spent_on") if "spent_on" in body else _today()
    with api_action():
        expense = ledger.create_expense(
            db.session, actor=current_member(), label=body["label"], category=body["category"],
            amount_cents=body["amount_cents"], spent_on=spent_on, period_start=period_start,
            period_end=period_end, space_id=body.get("space_id"), method=key["method"],
            mixed_percent=key.get("fixed_percent"), mixed_base=key.get("fixed_base", "shares"),
            spread_months=body.get("spread_months", 1))
        participant_ids = (ledger.choose_participants(db.session, expense,
                                                      body["participant_ids"],
                                                      actor=current_member())
                           if "participant_ids" in body else None)
    return jsonify(expense_json(expense, posted=set(), participant_ids=participant_ids)), 201


def _line_json(line: ledger.AllocationLine) -> dict:
    _member_id, organisation_id = ledger.account_of(line.member)
    return {"member_id": line.member.id, "organisation_id": organisation_id,
            "amount_cents": line.amount_cents, "percent": line.percent, "kind": "allocation",
            "basis": line.basis}


def _posted_json(entry: LedgerEntry, portion_cents: int) -> dict:
    return {"member_id": entry.basis_member_id or entry.member_id,
            "organisation_id": entry.organisation_id, "amount_cents": entry.amount_cents,
            "percent": round(100 * entry.amount_cents / portion_cents, 2), "kind": entry.kind,
            "basis": _basis(entry.basis)}


@endpoint(bp, "/expenses/<int:expense_id>/allocate", "POST",
          summary="Preview or post how an expense is shared", tag="ledger", comanager=True,
          response=array_of("AllocationLine"), errors=(409,),
          body=ref("AllocationRequest"), body_required=False,
          description="With preview=true, shows who would pay how much and why, writing "
                      "nothing. Without it, posts the portion's entries (once: a second post "
                      "answers 409 already-allocated) and returns them, with the credit of a "
                      "member who advanced the cost. An expense spread over several months "
                      "has one portion per month: choose it with `portion` (0 = the first "
                      "month, the default). 422 no-allocation-basis when nobody booked in the "
                      "period (usage) or nobody has shares; 422 month-closed when the "
                      "portion's month is closed. The optional body's `participant_ids` "
                      "chooses who shares an equal part (active members; 422 otherwise): "
                      "tried without saving in a preview, saved for the expense when "
                      "posting.",
          query=[query_param("preview", {"type": "boolean"},
                             "true: show the split without posting it."),
                 query_param("portion", {"type": "integer", "minimum": 0, "maximum": 239},
                             "The monthly portion, from 0 (default) to spread_months - 1.")])
@comanager_required
def allocate_expense(expense_id, query, body):
    expense = get_object(Expense, expense_id)
    portion = query["portion"] or 0
    last = len(ledger.portions(expense)) - 1
    if portion > last and last == 0:
        raise ApiProblem(422, _l("This expense is not spread over several months: leave "
                                 "portion out, or give 0."))
    if portion > last:
        raise ApiProblem(422, _l("There is no portion %(portion)d: this expense has portions "
                                 "0 to %(last)d, one per month.", portion=portion, last=last))
    participant_ids = body.get("participant_ids")
    if query["preview"]:
        with api_action(commit=False):
            if participant_ids is not None:
                ledger.choose_participants(db.session, expense, participant_ids,
                                           actor=current_member())
            lines = ledger.preview_allocation(db.session, expense, portion, current_tz())
            preview = [_line_json(line) for line in lines]
        if participant_ids is not None:
            db.session.rollback()  # a preview writes nothing: the choice was only tried
        return jsonify(preview)
    with api_action():
        if participant_ids is not None:
            ledger.choose_participants(db.session, expense, participant_ids,
                                       actor=current_member())
        allocation = ledger.post_allocation(db.session, expense, portion,
                                            actor=current_member(), tz=current_tz())
        entries = ledger.posted_entries(db.session, allocation.id)
        posted = [_posted_json(e, allocation.amount_cents) for e in entries]
    return jsonify(posted)


@endpoint(bp, "/payments", "POST", summary="Record a payment received", tag="ledger",
          comanager=True, status=201, body=ref("PaymentCreate"), response=ref("Payment"),
          description="Money a member paid the collective: it counts at once (status "
                      "confirmed) and lowers the balance of the member's account (or of the "
                      "organisation that pays for them). 422 month-closed when the date is "
                      "in a closed month.")
@comanager_required
def record_payment(body):
    member = db.session.execute(select(Member).options(joinedload(Member.organisation))
                                .where(Member.id == body["member_id"])).scalar_one_or_none()
    if member is None:
        raise ApiProblem(422, _l("No member has the number %(id)d. Check member_id.",
                                 id=body["member_id"]), "validation-error")
    paid_on = parse_date(body["date"], "date")
    with api_action():
        payment = ledger.record_payment(
            db.session, member=member, amount_cents=body["amount_cents"], paid_on=paid_on,
            method=body["method"], reference=body.get("reference", ""), actor=current_member())
    return jsonify(_payment_json(payment)), 201


def _payment_json(payment: Payment) -> dict:
    return {"id": payment.id, "member_id": payment.member_id,
            "amount_cents": payment.amount_cents, "date": payment.paid_on.isoformat(),
            "method": payment.method, "reference": payment.reference, "status": payment.status}
