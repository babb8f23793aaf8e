"""The ledger: splits to the cent, each key, corrections, closed months, payments, roles."""
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from booking.domain import ledger
from booking.extensions import db
from booking.models import (
    Allocation,
    AppendOnlyError,
    Expense,
    LedgerEntry,
    Organisation,
    Payment,
)
from tests.conftest import add_expense, local

NOW = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


# --- splitting ----------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**9),
       st.dictionaries(st.integers(1, 500), st.integers(1, 10**6), min_size=1, max_size=40))
def test_any_split_adds_up_exactly(total, weights):
    parts = ledger.split_largest_remainder(total, weights)
    assert sum(parts.values()) == total
    whole = sum(weights.values())
    for key, part in parts.items():
        assert abs(part - total * weights[key] / whole) < 1  # never more than a cent off


def test_ties_go_to_the_larger_weight_then_the_smaller_id():
    assert ledger.split_largest_remainder(100, {3: 1, 1: 1, 2: 1}) == {1: 34, 2: 33, 3: 33}
    assert ledger.split_largest_remainder(10, {1: 1, 2: 2}) == {1: 3, 2: 7}


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["charge", "payment", "contribution"]),
                          st.integers(1, 100_000)), min_size=1, max_size=15))
def test_a_balance_always_equals_the_sum_of_its_entries(app, operations):
    from booking.domain.accounts import create_member

    member = create_member(db.session, email=f"p{len(operations)}-{id(operations)}@example.org",
                           name="P", password=None)
    total = 0
    for kind, cents in operations:
        if kind == "charge":
            db.session.add(LedgerEntry(member_id=member.id, amount_cents=cents, kind="fee",
                                       entry_date=date(2026, 4, 1), description="Fee"))
            total += cents
        elif kind == "payment":
            ledger.record_payment(db.session, member=member, amount_cents=cents,
                                  paid_on=date(2026, 4, 1), method="transfer", reference="",
                                  actor=member)
            total -= cents
        else:
            entry = ledger.record_contribution(db.session, member=member, minutes=cents % 600 + 1,
                                               day=date(2026, 4, 1), description="Work",
                                               rate_cents=1500, actor=member)
            total += entry.amount_cents
    db.session.flush()
    assert ledger.member_balance(db.session, member.id) == total
    balances = {b.member_id: b.balance_cents for b in ledger.balances(db.session)}
    assert balances[member.id] == total
    db.session.rollback()


# --- keys ---------------------------------------------------------------------------------------



def _amounts(lines):
    return {line.member.name: line.amount_cents for line in lines}


@pytest.mark.parametrize("method, expected", [
    ("usage", {"Léa": 75_000, "Jan": 25_000}),
    ("equal", {"Léa": 33_334, "Jan": 33_333, "Sofia": 33_333}),  # the co-manager: no plan
    ("shares", {"Léa": 20_000, "Jan": 20_000, "Sofia": 60_000}),
])
def test_each_allocation_key(app, people, method, expected):
    expense = add_expense(method=method)
    lines = ledger.preview_allocation(db.session, expense, 0, "Europe/Brussels")
    assert _amounts(lines) == expected


def test_mixed_key_splits_a_part_by_shares_and_the_rest_by_usage(app, people):
    expense = add_expense(method="mixed", mixed_percent=40, mixed_base="shares")
    lines = ledger.preview_allocation(db.session, expense, 0, "Europe/Brussels")
    # 40 000 by shares (8 000 / 8 000 / 24 000) + 60 000 by usage (45 000 / 15 000).
    assert _amounts(lines) == {"Léa": 53_000, "Jan": 23_000, "Sofia": 24_000}


def test_usage_with_nobody_booking_is_refused_with_advice(app, people):
    expense = add_expense(period_start=date(2026, 5, 1), period_end=date(2026, 5, 31))
    with pytest.raises(ledger.LedgerError, match="à parts égales ou selon les parts"):
        ledger.preview_allocation(db.session, expense, 0, "Europe/Brussels")


def test_investment_spread_over_months_is_allocated_month_by_month(app, people):
    expense = add_expense(label="Scie à panneaux", category="equipment", amount_cents=100,
                       method="equal", spread_months=3)
    parts = ledger.portions(expense)
    assert [(p[1], p[3]) for p in parts] == [(date(2026, 3, 1), 34), (date(2026, 4, 1), 33),
                                             (date(2026, 5, 1), 33)]


# --- posting ------------------------------------------------------------------------------------

def test_posting_writes_entries_that_add_up_and_cannot_be_posted_twice(app, people, comanager):
    expense = add_expense()
    ledger.post_allocation(db.session, expense, 0, actor=comanager, tz="Europe/Brussels")
    db.session.commit()
    total = db.session.execute(select(func.sum(LedgerEntry.amount_cents))).scalar()
    assert total == expense.amount_cents
    with pytest.raises(ledger.LedgerError, match="déjà"):
        ledger.post_allocation(db.session, expense, 0, actor=comanager, tz="Europe/Brussels")
    db.session.rollback()
    assert db.session.execute(select(func.count(Allocation.id))).scalar() == 1


def test_entries_are_never_updated_or_deleted(app, people, comanager):
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz="Europe/Brussels")
    db.session.commit()
    entry = db.session.execute(select(LedgerEntry)).scalars().first()
    entry.amount_cents = 1
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE ledger_entries SET amount_cents = 1"))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM ledger_entries"))
    db.session.rollback()


def test_correction_reverses_and_reposts_with_a_reason(app, people, comanager, make_booking):
    _lea, _jan, sofia, space = people
    expense = add_expense()
    allocation = ledger.post_allocation(db.session, expense, 0, actor=comanager,
                                        tz="Europe/Brussels")
    db.session.commit()
    make_booking(space, sofia, local(2026, 3, 5, 10), local(2026, 3, 5, 14))  # forgotten
    ledger.correct_allocation(db.session, allocation, actor=comanager,
                              reason="Réservation de Sofia oubliée", tz="Europe/Brussels")
    db.session.commit()
    reversals = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.kind == "reversal")).scalars().all()
    assert len(reversals) == 2 and all(r.reverses_id and r.reason for r in reversals)
    balances = {b.name: b.balance_cents for b in ledger.balances(db.session)}
    assert balances == {"Léa": 37_500, "Jan": 12_500, "Sofia": 50_000}


def test_closed_month_refuses_postings(app, people, comanager):
    ledger.close_month(db.session, date(2026, 3, 1), actor=comanager)
    db.session.commit()
    with pytest.raises(ledger.LedgerError, match="clôturé"):
        ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz="Europe/Brussels")
    db.session.rollback()
    assert db.session.execute(select(func.count(LedgerEntry.id))).scalar() == 0


def test_organisation_that_pays_for_its_members_gets_their_charges(app, people, comanager):
    lea, _jan, _sofia, _space = people
    company = Organisation(name="Compagnie du Hangar", pays_for_members=True)
    db.session.add(company)
    db.session.flush()
    lea.organisation_id = company.id
    db.session.commit()
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz="Europe/Brussels")
    db.session.commit()
    balances = {b.name: b.balance_cents for b in ledger.balances(db.session)}
    assert balances == {"Compagnie du Hangar": 75_000, "Jan": 25_000}


def test_monthly_fees_and_overage_are_posted_once(app, people, comanager, make_booking):
    lea, _jan, _sofia, space = people
    space.hourly_rate_cents = 1200
    lea.plan.monthly_fee_cents = 2500
    make_booking(space, lea, local(2026, 3, 20, 10), local(2026, 3, 20, 12),
                 overage_minutes=90)
    db.session.commit()
    count = ledger.post_monthly_charges(db.session, date(2026, 3, 1), actor=comanager,
                                        tz="Europe/Brussels")
    db.session.commit()
    assert count == 3  # Léa's and Jan's fees, Léa's overage
    assert ledger.member_balance(db.session, lea.id) == 2500 + 1800
    with pytest.raises(ledger.LedgerError):
        ledger.post_monthly_charges(db.session, date(2026, 3, 1), actor=comanager,
                                    tz="Europe/Brussels")


# --- pages --------------------------------------------------------------------------------------

EXPENSE_FORM = {"label": "Loyer", "category": "rent", "amount": "1 000,00",
                "spent_on": "2026-03-01", "period_start": "2026-03-01",
                "period_end": "2026-03-31", "space_id": 0, "method": "usage",
                "mixed_percent": 0, "mixed_base": "shares", "spread_months": 1,
                "advanced_by_id": 0}


@pytest.mark.parametrize("field, value, message", [
    ("amount", "0", "supérieur à zéro"),
    ("amount", "-5", "supérieur à zéro"),
    ("amount", "12,345", "deux décimales"),
    ("period_end", "2026-02-01", "se termine avant"),
])
def test_bad_expense_input_is_refused_and_nothing_is_written(client, login, comanager, field,
                                                             value, message):
    login(comanager)
    response = client.post("/ledger/expenses/", data={**EXPENSE_FORM, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Expense.id))).scalar() == 0


def test_mixed_percent_outside_0_100_is_refused(client, login, comanager):
    login(comanager)
    response = client.post("/ledger/expenses/", data={**EXPENSE_FORM, "method": "mixed",
                                                      "mixed_percent": 140})
    assert response.status_code == 200
    assert db.session.execute(select(func.count(Expense.id))).scalar() == 0


def test_comanager_records_previews_and_posts_a_cost(client, login, comanager, people):
    login(comanager)
    response = client.post("/ledger/expenses/", data=EXPENSE_FORM)
    assert response.status_code == 302
    expense = db.session.execute(select(Expense)).scalar_one()
    assert expense.amount_cents == 100_000
    preview = client.get(f"/ledger/expenses/{expense.id}?portion=0").get_data(as_text=True)
    assert "750,00" in preview and "250,00" in preview
    assert "3,0 h sur 4,0 h" in preview
    client.post(f"/ledger/expenses/{expense.id}/post/0", data={"confirmed": "yes"})
    second = client.post(f"/ledger/expenses/{expense.id}/post/0", data={"confirmed": "yes"},
                         follow_redirects=True)
    assert "déjà" in second.get_data(as_text=True)
    assert db.session.execute(select(func.sum(LedgerEntry.amount_cents))).scalar() == 100_000


def test_member_statement_shows_running_balance_and_payment_declaration(client, login, people,
                                                                       comanager):
    lea = people[0]
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz="Europe/Brussels")
    db.session.commit()
    login(lea)
    page = client.get("/ledger/statement").get_data(as_text=True)
    assert "750,00" in page
    client.post("/ledger/statement", data={"amount": "500", "paid_on": "2026-04-01",
                                           "method": "transfer", "reference": "VIR-1"})
    payment = db.session.execute(select(Payment)).scalar_one()
    assert (payment.status, payment.amount_cents) == ("declared", 50_000)
    assert ledger.member_balance(db.session, lea.id) == 75_000  # not counted before confirming
    client.post("/logout")
    login(comanager)
    client.post(f"/ledger/payments/{payment.id}/confirm")
    assert ledger.member_balance(db.session, lea.id) == 25_000


def _assert_forbidden_page(response, hidden):
    """The "no access" page, showing nothing of the member it would be about."""
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "Vous n’avez pas accès à cette page" in body and hidden not in body


def test_member_sees_only_their_own_statement(client, login, people):
    lea, jan = people[0], people[1]
    login(jan)
    client.post("/ledger/statement", data={"amount": "20", "paid_on": "2026-04-01",
                                           "method": "transfer", "reference": "VIR-JAN"})
    payment = db.session.execute(select(Payment)).scalar_one()
    client.post("/logout")
    login(lea)
    _assert_forbidden_page(client.get(f"/ledger/members/{jan.id}"), jan.email)
    for path in ("/ledger/", "/ledger/expenses/", "/ledger/payments/new",
                 "/ledger/contributions/new", "/ledger/fairness", "/ledger/export.csv"):
        _assert_forbidden_page(client.get(path), jan.email)
    _assert_forbidden_page(client.post(f"/ledger/payments/{payment.id}/confirm"), "VIR-JAN")
    _assert_forbidden_page(client.post("/ledger/months/close", data={"month": "2026-03"}),
                           jan.email)
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "declared"  # not confirmed by Léa
    assert ledger.member_balance(db.session, jan.id) == 0
    assert not ledger.is_closed(db.session, date(2026, 3, 1))
    assert "VIR-JAN" not in client.get("/ledger/statement").get_data(as_text=True)


def test_balances_page_runs_a_bounded_number_of_queries(client, login, comanager, make_member,
                                                        count_queries):
    login(comanager)

    def add(n):
        for _ in range(n):
            member = make_member()
            db.session.add(LedgerEntry(member_id=member.id, amount_cents=1000, kind="fee",
                                       entry_date=date(2026, 3, 31), description="Fee"))
        db.session.commit()

    add(2)
    with count_queries() as few:
        client.get("/ledger/")
    add(20)
    with count_queries() as many:
        client.get("/ledger/")
    assert many.count == few.count, many.statements


def test_accountant_export_lists_debits_and_credits(client, login, comanager, people):
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz="Europe/Brussels")
    db.session.commit()
    login(comanager)
    text_csv = client.get("/ledger/export.csv?start=2026-03-01&end=2026-03-31").get_data(
        as_text=True)
    assert text_csv.splitlines()[0].lstrip("\ufeff") == (
        "date,account,description,debit,credit,reference")
    assert "750.00" in text_csv and "250.00" in text_csv


def test_invoice_is_checked_by_content_and_downloadable(app, client, login, comanager):
    import io

    login(comanager)
    fake = client.post("/ledger/expenses/", data={
        **EXPENSE_FORM, "attachment": (io.BytesIO(b"<script>alert(1)</script>"), "facture.pdf")},
        content_type="multipart/form-data")
    assert fake.status_code == 200
    assert "PDF, PNG ou JPEG" in fake.get_data(as_text=True)
    assert db.session.execute(select(func.count(Expense.id))).scalar() == 0
    pdf = b"%PDF-1.4\n% facture\n"
    response = client.post("/ledger/expenses/", data={
        **EXPENSE_FORM, "attachment": (io.BytesIO(pdf), "facture loyer.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    expense = db.session.execute(select(Expense)).scalar_one()
    assert expense.attachment_name == "facture loyer.pdf"
    download = client.get(f"/ledger/expenses/{expense.id}/invoice")
    assert download.data == pdf and download.mimetype == "application/pdf"


def test_deposits_are_kept_apart_from_the_balance(client, login, comanager, member):
    login(comanager)
    client.post("/ledger/deposits", data={"member_id": member.id, "amount": "50",
                                          "received_on": "2026-04-01",
                                          "description": "Clé de l’atelier"})
    page = client.get("/ledger/deposits").get_data(as_text=True)
    assert "Clé de l’atelier" in page and "50,00" in page
    assert ledger.member_balance(db.session, member.id) == 0


def test_fairness_puts_usage_share_beside_cost_share(client, login, comanager, people):
    ledger.post_allocation(db.session, add_expense(method="shares"), 0, actor=comanager,
                           tz="Europe/Brussels")
    db.session.commit()
    rows = {r.name: (round(r.usage_percent), round(r.cost_percent))
            for r in ledger.fairness(db.session, date(2026, 3, 1), date(2026, 3, 31),
                                     "Europe/Brussels")}
    # Léa used 3 of 4 hours but pays 1 of 5 shares; Sofia used nothing and pays 3 of 5.
    assert rows == {"Léa": (75, 20), "Jan": (25, 20), "Sofia": (0, 60)}
    login(comanager)
    page = client.get("/ledger/fairness?start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    assert page.index("Léa") < page.index("Jan") < page.index("Sofia")
    assert "75,0 %" in page and "60,0 %" in page


# --- rules moved from the views into the domain -------------------------------------------------

def _audit_count(action: str, object_id: int | None = None) -> int:
    from booking.models import AuditEvent

    query = select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return db.session.execute(query).scalar()


def test_rejecting_a_payment_writes_an_audit_line_and_leaves_the_balance(client, login,
                                                                          comanager, member):
    payment = ledger.declare_payment(db.session, member=member, amount_cents=4_000,
                                     paid_on=date(2026, 4, 1), method="transfer",
                                     reference="VIR-9")
    db.session.commit()
    login(comanager)
    client.post(f"/ledger/payments/{payment.id}/reject")
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "rejected"
    assert ledger.member_balance(db.session, member.id) == 0
    assert _audit_count("payment.reject", payment.id) == 1
    again = client.post(f"/ledger/payments/{payment.id}/confirm", follow_redirects=True)
    assert "déjà été traité" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "rejected"
    assert ledger.member_balance(db.session, member.id) == 0
    assert ledger.pending_payments(db.session) == []


def test_a_dutch_comanager_typing_thousands_records_the_cents(client, login, make_member,
                                                             member):
    dutch = make_member(role="comanager", locale="nl")
    login(dutch)
    response = client.post("/ledger/payments/new", data={
        "member_id": member.id, "amount": "1.234,50", "paid_on": "2026-04-01",
        "method": "transfer", "reference": "OVS-1"})
    assert response.status_code == 302
    payment = db.session.execute(select(Payment)).scalar_one()
    assert payment.amount_cents == 123_450
    assert ledger.member_balance(db.session, member.id) == -123_450
    assert _audit_count("payment.confirm", payment.id) == 1


def test_a_deposit_is_recorded_and_returned_once_with_audit_lines(client, login, comanager,
                                                                  member):
    from booking.models import Deposit

    login(comanager)
    client.post("/ledger/deposits", data={"member_id": member.id, "amount": "1.250,00",
                                          "received_on": "2026-04-01", "description": " Clé "})
    deposit = db.session.execute(select(Deposit)).scalar_one()
    assert (deposit.amount_cents, deposit.description) == (125_000, "Clé")
    assert ledger.deposits_held(db.session).held_cents == 125_000
    client.post(f"/ledger/deposits/{deposit.id}/return")
    client.post(f"/ledger/deposits/{deposit.id}/return")
    db.session.expire_all()
    assert db.session.get(Deposit, deposit.id).returned_on == date(2026, 4, 2)
    assert ledger.deposits_held(db.session).held_cents == 0
    assert _audit_count("deposit.create", deposit.id) == 1
    assert _audit_count("deposit.return", deposit.id) == 1


def test_posting_and_closing_a_month_write_their_audit_lines_in_the_domain(comanager, people):
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz="Europe/Brussels")
    ledger.close_month(db.session, date(2026, 3, 15), actor=comanager)
    db.session.commit()
    assert _audit_count("expense.allocate") == 1
    assert _audit_count("ledger.close") == 1
    assert ledger.closed_months(db.session) == [date(2026, 3, 1)]
    with pytest.raises(ledger.MonthClosed):
        ledger.post_monthly_charges(db.session, date(2026, 3, 1), actor=comanager,
                                    tz="Europe/Brussels")


def test_statement_csv_turns_a_formula_into_text(client, login, member):
    ledger.record_contribution(db.session, member=member, minutes=60, day=date(2026, 4, 1),
                               description="=HYPERLINK(\"http://x\")", rate_cents=1500,
                               actor=member)
    db.session.commit()
    login(member)
    text_csv = client.get("/ledger/statement.csv").get_data(as_text=True)
    assert text_csv.startswith("\ufeff")
    assert "'=HYPERLINK" in text_csv and ",15.00," in text_csv


def test_settings_read_a_rate_typed_in_dutch_and_refuse_a_wrong_one(client, login, make_member):
    from booking.models import Settings

    login(make_member(role="comanager", locale="nl"))
    form = {"name": "Coop", "timezone": "Europe/Brussels", "currency": "EUR",
            "contact_email": "", "contact_address": ""}
    wrong = client.post("/settings/", data={**form, "contribution_rate": "twaalf"})
    assert wrong.status_code == 200
    assert db.session.get(Settings, 1) is None
    client.post("/settings/", data={**form, "contribution_rate": "12,50"})
    settings_row = db.session.get(Settings, 1)
    assert (settings_row.name, settings_row.contribution_rate_cents) == ("Coop", 1_250)
    assert _audit_count("settings.update") == 1
