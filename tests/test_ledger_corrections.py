"""Ledger corrections: dated where the original is (or in the first open month when its month
is closed, saying so), a statement whose running balance never dips within a day, and an equal
share among the accounts co-managers say take part. Entries are only ever added."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from booking.domain import ledger
from booking.extensions import db
from booking.models import ExpenseParticipant, LedgerEntry
from tests.conftest import add_expense, local

NOW = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
TZ = "Europe/Brussels"


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def _amounts(lines):
    return {line.member.name: line.amount_cents for line in lines}


def _entries():
    return [(e.id, e.amount_cents, e.entry_date) for e in db.session.execute(
        select(LedgerEntry).order_by(LedgerEntry.id)).scalars()]


# --- the equal share ---------------------------------------------------------------------------

def test_equal_share_by_default_leaves_out_admins_and_members_without_a_plan(
        app, people, comanager, admin, make_member):
    plan_id = people[0].plan_id
    make_member("admin", name="Admin with a plan", plan_id=plan_id)
    lines = ledger.preview_allocation(db.session, add_expense(method="equal"), 0, TZ)
    assert _amounts(lines) == {"Léa": 33_334, "Jan": 33_333, "Sofia": 33_333}
    assert {line.basis["count"] for line in lines} == {3}


def test_comanagers_choose_who_shares_and_posts_and_corrections_follow(app, people,
                                                                      comanager):
    lea, _jan, sofia, _space = people
    expense = add_expense(method="equal")
    ledger.choose_participants(db.session, expense, [lea.id, sofia.id, comanager.id],
                               actor=comanager)
    db.session.commit()
    preview = ledger.preview_allocation(db.session, expense, 0, TZ)
    assert _amounts(preview) == {"Léa": 33_334, "Sofia": 33_333, "Camille Cogérante": 33_333}
    allocation = ledger.post_allocation(db.session, expense, 0, actor=comanager, tz=TZ)
    ledger.choose_participants(db.session, expense, [lea.id, sofia.id], actor=comanager)
    ledger.correct_allocation(db.session, allocation, actor=comanager,
                              reason="La cogérante ne partage pas ce coût", tz=TZ)
    db.session.commit()
    balances = {b.name: b.balance_cents for b in ledger.balances(db.session)}
    assert balances == {"Léa": 50_000, "Sofia": 50_000, "Camille Cogérante": 0}


def test_nobody_ticked_is_refused_and_changes_nothing(app, people, comanager):
    expense = add_expense(method="equal")
    with pytest.raises(ledger.LedgerError):
        ledger.choose_participants(db.session, expense, [], actor=comanager)
    assert db.session.scalar(select(func.count(ExpenseParticipant.id))) == 0


def test_preview_page_shows_who_shares_and_saves_the_choice(client, login, people, comanager):
    lea, jan, sofia, _space = people
    expense = add_expense(method="equal")
    login(comanager)
    page = client.get(f"/ledger/expenses/{expense.id}?portion=0").get_data(as_text=True)
    assert f'name="member_id" value="{lea.id}" checked' in page
    assert f'name="member_id" value="{comanager.id}">' in page  # no plan: not ticked
    assert "3 membres partagent la part égale." in page
    assert "333,34" in page
    response = client.post(f"/ledger/expenses/{expense.id}/participants",
                           data={"member_id": [str(lea.id), str(jan.id)], "portion": "0"})
    assert response.status_code == 302 and response.location.endswith("portion=0")
    page = client.get(f"/ledger/expenses/{expense.id}?portion=0").get_data(as_text=True)
    assert "500,00" in page and f'value="{sofia.id}">' in page
    assert "2 membres partagent la part égale." in page


def test_member_cannot_choose_who_shares(client, login, people):
    lea = people[0]
    expense = add_expense(method="equal")
    login(lea)
    response = client.post(f"/ledger/expenses/{expense.id}/participants",
                           data={"member_id": [str(lea.id)]})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(ExpenseParticipant.id))) == 0


def test_usage_expense_page_asks_nothing_about_the_equal_share(client, login, people,
                                                              comanager):
    expense = add_expense(method="usage")
    login(comanager)
    page = client.get(f"/ledger/expenses/{expense.id}?portion=0").get_data(as_text=True)
    assert 'name="member_id"' not in page


# --- dates of corrections ----------------------------------------------------------------------

def test_a_correction_in_an_open_month_is_dated_with_the_original(app, people, comanager,
                                                                 make_booking):
    lea, _jan, sofia, space = people
    allocation = ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz=TZ)
    db.session.commit()
    before = _entries()
    make_booking(space, sofia, local(2026, 3, 5, 10), local(2026, 3, 5, 14))
    day = ledger.correct_allocation(db.session, allocation, actor=comanager,
                                    reason="Réservation oubliée", tz=TZ)
    db.session.commit()
    assert day == date(2026, 3, 31)
    assert _entries()[:len(before)] == before  # nothing changed, only added
    added = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.id > before[-1][0])).scalars().all()
    assert {e.entry_date for e in added} == {date(2026, 3, 31)}
    # Léa's statement: charge, then the new charge, then the reversal; never below what she owes.
    lines = ledger.statement(db.session, member_id=lea.id)
    assert [line.balance_cents for line in lines] == [75_000, 75_000 + 37_500, 37_500]


def test_a_correction_of_a_closed_month_goes_to_the_first_open_month(app, people, comanager,
                                                                    make_booking):
    lea, _jan, sofia, space = people
    allocation = ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz=TZ)
    ledger.close_month(db.session, date(2026, 3, 1), actor=comanager)
    db.session.commit()
    before = _entries()
    make_booking(space, sofia, local(2026, 3, 5, 10), local(2026, 3, 5, 14))
    day = ledger.correct_allocation(db.session, allocation, actor=comanager,
                                    reason="Réservation oubliée", tz=TZ)
    db.session.commit()
    assert day == date(2026, 4, 1)
    assert _entries()[:len(before)] == before
    reversal = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.kind == "reversal", LedgerEntry.member_id == lea.id)).scalar_one()
    original = db.session.get(LedgerEntry, reversal.reverses_id)
    assert (original.entry_date, reversal.entry_date) == (date(2026, 3, 31), date(2026, 4, 1))
    assert "31 mars 2026" in reversal.description and "clôturé" in reversal.description
    repost = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.kind == "allocation", LedgerEntry.member_id == lea.id,
        LedgerEntry.id > original.id)).scalar_one()
    assert repost.entry_date == date(2026, 4, 1) and "correction du 31 mars 2026" in \
        repost.description
    assert ledger.member_balance(db.session, lea.id) == 37_500


def test_first_open_month_skips_several_closed_ones(app, comanager):
    for month in (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)):
        ledger.close_month(db.session, month, actor=comanager)
    assert ledger.posting_date(db.session, date(2026, 1, 20)) == date(2026, 4, 1)
    assert ledger.posting_date(db.session, date(2026, 4, 20)) == date(2026, 4, 20)


def test_within_a_day_charges_come_before_credits(app, people, comanager):
    lea = people[0]
    ledger.record_payment(db.session, member=lea, amount_cents=10_000, paid_on=date(2026, 3, 31),
                          method="cash", reference="", actor=comanager)
    ledger.post_allocation(db.session, add_expense(), 0, actor=comanager, tz=TZ)  # Mar 31
    db.session.commit()
    lines = ledger.statement(db.session, member_id=lea.id)
    assert [line.entry.kind for line in lines] == ["allocation", "payment"]
    assert [line.balance_cents for line in lines] == [75_000, 65_000]
