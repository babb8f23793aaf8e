"""JSON API v1, the ledger: my account, balances, expenses and their split, payments."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from booking.domain import ledger
from booking.extensions import db
from booking.models import (
    Allocation,
    AuditEvent,
    ClosedMonth,
    Expense,
    LedgerEntry,
    Organisation,
    Payment,
)
from tests.conftest import add_expense

NOW = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
TZ = "Europe/Brussels"


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}





def expense_body(**extra):
    body = {"label": "Loyer de mars", "category": "rent", "amount_cents": 100_000,
            "period_start": "2026-03-01", "period_end": "2026-03-31",
            "allocation": {"method": "usage"}}
    body.update(extra)
    return body



def _count(model) -> int:
    return db.session.execute(select(func.count(model.id))).scalar_one()


def _is_problem(response, status, slug=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    if slug:
        assert response.json["type"] == f"urn:mutualise:problem:{slug}"
    return response.json


# --- my ledger -------------------------------------------------------------------------------

def test_member_reads_own_balance_and_entries_with_their_basis(api, people, comanager,
                                                               token_for):
    lea = people[0]
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz=TZ)
    ledger.record_payment(db.session, member=lea, amount_cents=50_000,
                          paid_on=date(2026, 4, 1), method="transfer", reference="VIR-1",
                          actor=comanager)
    db.session.commit()
    response = api("GET", "/me/ledger", token_for(lea))
    assert response.status_code == 200
    mine = response.json
    assert mine["member_id"] == lea.id and mine["balance_cents"] == 25_000
    assert mine["organisation_id"] is None
    charge, payment = mine["entries"]
    assert (charge["date"], charge["kind"], charge["amount_cents"], charge["balance_cents"]) == (
        "2026-03-31", "allocation", 75_000, 75_000)
    assert charge["basis"]["method"] == "usage" and charge["basis"]["minutes"] == 180
    assert (payment["kind"], payment["amount_cents"], payment["balance_cents"]) == (
        "payment", -50_000, 25_000)
    assert payment["basis"] == {}


def test_my_ledger_shows_only_the_callers_account(api, people, comanager, token_for):
    lea, jan, sofia = people[:3]
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz=TZ)
    db.session.commit()
    jans = api("GET", "/me/ledger", token_for(jan)).json
    assert jans["member_id"] == jan.id and jans["balance_cents"] == 25_000
    leas_entry = db.session.execute(select(LedgerEntry.id).where(
        LedgerEntry.member_id == lea.id)).scalar_one()
    assert [e["amount_cents"] for e in jans["entries"]] == [25_000]
    assert leas_entry not in {e["id"] for e in jans["entries"]}
    empty = api("GET", "/me/ledger", token_for(sofia)).json
    assert empty["balance_cents"] == 0 and empty["entries"] == []
    assert api("GET", "/me/ledger").status_code == 401


def test_a_member_cannot_read_balances_nor_post_costs_or_payments(api, people, token_for):
    lea = people[0]
    expense = add_expense()
    headers = token_for(lea)
    _is_problem(api("GET", "/ledger/balances", headers), 403, "forbidden")
    _is_problem(api("POST", "/expenses", headers, json=expense_body()), 403, "forbidden")
    _is_problem(api("POST", f"/expenses/{expense.id}/allocate?preview=true", headers), 403)
    _is_problem(api("POST", f"/expenses/{expense.id}/allocate", headers), 403)
    _is_problem(api("POST", "/payments", headers, json={
        "member_id": lea.id, "amount_cents": 100, "date": "2026-04-01", "method": "cash"}), 403)
    assert (_count(Expense), _count(Allocation), _count(Payment), _count(LedgerEntry)) == (
        1, 0, 0, 0)


def test_balances_list_members_and_organisations_that_pay_for_them(api, people, comanager,
                                                                   token_for):
    lea, jan, sofia = people[:3]
    company = Organisation(name="Compagnie du Nord", pays_for_members=True)
    db.session.add(company)
    db.session.flush()
    sofia.organisation_id = company.id
    db.session.commit()
    ledger.post_allocation(db.session, add_expense(method="shares"), 0, actor=comanager, tz=TZ)
    db.session.commit()
    rows = api("GET", "/ledger/balances", token_for(comanager)).json
    assert {(r["member_id"], r["organisation_id"], r["balance_cents"]) for r in rows} == {
        (lea.id, None, 20_000), (jan.id, None, 20_000), (None, company.id, 60_000)}
    assert [r["name"] for r in rows] == ["Compagnie du Nord", "Jan", "Léa"]
    sofias = api("GET", "/me/ledger", token_for(sofia)).json
    assert sofias["organisation_id"] == company.id and sofias["entries"] == []


def test_ledger_reads_run_a_bounded_number_of_queries(api, comanager, make_member, token_for,
                                                      count_queries):
    boss = token_for(comanager)
    api("GET", "/me", boss)  # the token's last use is written once a minute at most

    def measure(n):
        for _ in range(n):
            someone = make_member()
            for day in (1, 2, 3):
                db.session.add(LedgerEntry(member_id=someone.id, amount_cents=1000, kind="fee",
                                           entry_date=date(2026, 3, day), description="Fee"))
                db.session.add(LedgerEntry(member_id=comanager.id, amount_cents=-500,
                                           kind="payment", entry_date=date(2026, 3, day),
                                           description="Payment"))
        db.session.commit()
        counts = []
        for path in ("/ledger/balances", "/me/ledger"):
            with count_queries() as counter:
                assert api("GET", path, boss).status_code == 200
            counts.append(counter.count)
        return counts

    small, big = measure(2), measure(25)
    assert small == big, (small, big)
    assert max(big) <= 4
    assert len(api("GET", "/ledger/balances", boss).json) == 28


# --- expenses --------------------------------------------------------------------------------

def test_comanager_records_an_expense_spread_over_months(api, comanager, token_for, make_space):
    space = make_space(name="Atelier")
    response = api("POST", "/expenses", token_for(comanager), json=expense_body(
        label="  Scie à panneaux ", category="equipment", amount_cents=100, space_id=space.id,
        period_end="2026-05-31", spread_months=3,
        allocation={"method": "mixed", "fixed_percent": 40, "fixed_base": "equal"}))
    assert response.status_code == 201, response.json
    created = response.json
    assert created["label"] == "Scie à panneaux" and created["spent_on"] == "2026-04-02"
    assert created["allocation"] == {"method": "mixed", "fixed_percent": 40,
                                     "fixed_base": "equal"}
    assert [(p["portion"], p["period_start"], p["amount_cents"], p["posted"])
            for p in created["portions"]] == [(0, "2026-03-01", 34, False),
                                              (1, "2026-04-01", 33, False),
                                              (2, "2026-05-01", 33, False)]
    stored = db.session.get(Expense, created["id"])
    assert (stored.mixed_percent, stored.mixed_base, stored.space_id, stored.created_by_id) == (
        40, "equal", space.id, comanager.id)
    audit = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "expense.create")).scalar_one()
    assert (audit.actor_id, audit.object_id) == (comanager.id, stored.id)


def test_a_mixed_key_without_fixed_percent_defaults_nothing(api, comanager, token_for):
    response = api("POST", "/expenses", token_for(comanager),
                   json=expense_body(allocation={"method": "mixed"}))
    assert "allocation/fixed_percent" in _is_problem(response, 422, "validation-error")["detail"]
    assert _count(Expense) == 0


@pytest.mark.parametrize("change, words", [
    ({"amount_cents": 0}, "amount_cents"),
    ({"amount_cents": -5}, "amount_cents"),
    ({"amount_cents": 12.5}, "integer"),
    ({"period_end": "2026-02-01"}, "se termine avant"),
    ({"period_start": "01/03/2026"}, "2027-06-30"),
    ({"category": "beer"}, "category"),
    ({"label": "   "}, "Indiquez de quel frais"),
    ({"allocation": {"method": "mixed", "fixed_percent": 140}}, "fixed_percent"),
    ({"allocation": {"method": "lottery"}}, "allocation/method"),
    ({"space_id": 4242}, "espace"),
    ({"spread_months": 0}, "spread_months"),
])
def test_bad_expense_input_is_a_422_in_french_and_writes_nothing(api, comanager, token_for,
                                                                 change, words):
    response = api("POST", "/expenses", token_for(comanager), json=expense_body(**change))
    problem = _is_problem(response, 422, "validation-error")
    assert words in problem["detail"], problem["detail"]
    assert _count(Expense) == 0


# --- allocation ------------------------------------------------------------------------------

def test_preview_shows_the_split_and_writes_nothing(api, people, comanager, token_for):
    lea, jan = people[:2]
    expense = add_expense()
    response = api("POST", f"/expenses/{expense.id}/allocate?preview=true", token_for(comanager))
    assert response.status_code == 200
    assert [(line["member_id"], line["amount_cents"], line["percent"], line["basis"]["minutes"])
            for line in response.json] == [(lea.id, 75_000, 75.0, 180), (jan.id, 25_000, 25.0, 60)]
    assert (_count(Allocation), _count(LedgerEntry)) == (0, 0)


def test_posting_returns_the_entries_once_and_a_second_post_is_a_409(api, people, comanager,
                                                                     token_for):
    lea, jan, sofia = people[:3]
    expense = add_expense(method="equal")
    boss = token_for(comanager)
    response = api("POST", f"/expenses/{expense.id}/allocate", boss)
    assert response.status_code == 200, response.json
    lines = response.json
    # Shared by the members with a plan: the co-manager, who has none, is not in it.
    assert {(line["member_id"], line["amount_cents"]) for line in lines} == {
        (lea.id, 33_334), (jan.id, 33_333), (sofia.id, 33_333)}
    assert all(line["basis"] == {"method": "equal", "count": 3} for line in lines)
    again = _is_problem(api("POST", f"/expenses/{expense.id}/allocate", boss), 409,
                        "already-allocated")
    assert "déjà" in again["detail"]
    assert db.session.execute(select(func.sum(LedgerEntry.amount_cents))).scalar() == 100_000
    assert _count(Allocation) == 1


def test_usage_with_nobody_booked_is_a_422_suggesting_equal_or_shares(api, people, comanager,
                                                                      token_for):
    expense = add_expense(period_start=date(2026, 5, 1), period_end=date(2026, 5, 31))
    boss = token_for(comanager)
    for query in ("?preview=true", ""):
        problem = _is_problem(api("POST", f"/expenses/{expense.id}/allocate{query}", boss), 422,
                              "no-allocation-basis")
        assert "à parts égales ou selon les parts" in problem["detail"]
    assert _count(LedgerEntry) == 0


def test_a_closed_month_refuses_the_post_with_a_422(api, people, comanager, token_for):
    expense = add_expense()
    db.session.add(ClosedMonth(month=date(2026, 3, 1), closed_by_id=comanager.id))
    db.session.commit()
    problem = _is_problem(api("POST", f"/expenses/{expense.id}/allocate", token_for(comanager)),
                          422, "month-closed")
    assert "clôturé" in problem["detail"]
    assert (_count(Allocation), _count(LedgerEntry)) == (0, 0)


def test_a_spread_expense_is_posted_portion_by_portion(api, people, comanager, token_for):
    expense = add_expense(label="Scie", category="equipment", amount_cents=100, method="equal",
                       spread_months=3)
    boss = token_for(comanager)
    third = api("POST", f"/expenses/{expense.id}/allocate?portion=2", boss)
    assert sum(line["amount_cents"] for line in third.json) == 33
    first = api("POST", f"/expenses/{expense.id}/allocate", boss)
    assert sum(line["amount_cents"] for line in first.json) == 34
    allocations = db.session.execute(select(Allocation.portion, Allocation.period_start)
                                     .order_by(Allocation.portion)).all()
    assert allocations == [(0, date(2026, 3, 1)), (2, date(2026, 5, 1))]
    problem = _is_problem(api("POST", f"/expenses/{expense.id}/allocate?portion=3", boss), 422)
    assert "0" in problem["detail"] and "2" in problem["detail"]
    _is_problem(api("POST", f"/expenses/{expense.id}/allocate?portion=-1", boss), 422)
    _is_problem(api("POST", "/expenses/4242/allocate?preview=true", boss), 404, "not-found")
    single = add_expense(method="equal")
    problem = _is_problem(api("POST", f"/expenses/{single.id}/allocate?portion=1", boss), 422)
    assert "plusieurs mois" in problem["detail"]


def test_an_organisation_that_pays_gets_its_members_parts(api, people, comanager, token_for):
    sofia = people[2]
    company = Organisation(name="Compagnie du Nord", pays_for_members=True)
    db.session.add(company)
    db.session.flush()
    sofia.organisation_id = company.id
    db.session.commit()
    lines = api("POST", f"/expenses/{add_expense(method='shares').id}/allocate",
                token_for(comanager)).json
    sofias = next(line for line in lines if line["member_id"] == sofia.id)
    assert (sofias["organisation_id"], sofias["amount_cents"]) == (company.id, 60_000)


# --- payments --------------------------------------------------------------------------------

def test_comanager_records_a_payment_that_lowers_the_balance(api, people, comanager, token_for):
    lea = people[0]
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz=TZ)
    db.session.commit()
    response = api("POST", "/payments", token_for(comanager), json={
        "member_id": lea.id, "amount_cents": 50_000, "date": "2026-04-01",
        "method": "transfer", "reference": "VIR-1"})
    assert response.status_code == 201, response.json
    assert response.json == {"id": response.json["id"], "member_id": lea.id,
                             "amount_cents": 50_000, "date": "2026-04-01", "method": "transfer",
                             "reference": "VIR-1", "status": "confirmed"}
    assert api("GET", "/me/ledger", token_for(lea)).json["balance_cents"] == 25_000


@pytest.mark.parametrize("change, words", [
    ({"member_id": 4242}, "4242"),
    ({"amount_cents": 0}, "amount_cents"),
    ({"date": "2026-13-01"}, "2027-06-30"),
    ({"method": "bitcoin"}, "method"),
    ({"date": "2026-03-15"}, "clôturé"),
])
def test_bad_payments_are_refused_and_write_nothing(api, people, comanager, token_for, change,
                                                    words):
    db.session.add(ClosedMonth(month=date(2026, 3, 1), closed_by_id=comanager.id))
    db.session.commit()
    body = {"member_id": people[0].id, "amount_cents": 1000, "date": "2026-04-01",
            "method": "cash", **change}
    problem = _is_problem(api("POST", "/payments", token_for(comanager), json=body), 422)
    assert words in problem["detail"], problem["detail"]
    assert (_count(Payment), _count(LedgerEntry)) == (0, 0)


# --- the domain checks too -------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"amount_cents": 0}, {"amount_cents": 2_000_000_000}, {"category": "beer"},
    {"period_end": date(2026, 2, 1)}, {"method": "mixed", "mixed_percent": None},
    {"method": "mixed", "mixed_percent": 101}, {"method": "lottery"}, {"mixed_base": "dice"},
    {"spread_months": 0}, {"label": " "}, {"space_id": 4242}, {"advanced_by_id": 4242},
])
def test_create_expense_refuses_what_a_form_let_through_and_writes_nothing(app, comanager,
                                                                          change):
    values = {"label": "Loyer", "category": "rent", "amount_cents": 1000,
              "spent_on": date(2026, 3, 1), "period_start": date(2026, 3, 1),
              "period_end": date(2026, 3, 31), **change}
    with pytest.raises(ledger.LedgerError):
        ledger.create_expense(db.session, actor=comanager, **values)
    db.session.rollback()
    assert _count(Expense) == 0
