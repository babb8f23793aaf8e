"""Bank fixtures: the cooperative's account in the settings, and the members of the sample
statement (/work/shared/samples/camt053-statement.xml, copied beside these tests)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from booking.domain.accounts import get_settings
from booking.extensions import db
from booking.models import AccountCommunication, LedgerEntry

SAMPLE = Path(__file__).with_name("camt053-statement.xml")
COOP_IBAN = "BE68539007547034"
LEA_COMMUNICATION = "090933755493"   # the sample's first transfer and the free-text one
JAN_COMMUNICATION = "101000000114"   # the batched transfer, returned later


def without_balances(text: str) -> str:
    """The sample with other entries than its own: balances that no longer add up, dropped."""
    return re.sub(r"<Bal>.*?</Bal>", "", text, flags=re.S)


def with_closing_balance(text: str, closing: str) -> str:
    """The sample with another closing balance (4116.75 adds up)."""
    return text.replace("<Amt Ccy=\"EUR\">4116.75</Amt>", f"<Amt Ccy=\"EUR\">{closing}</Amt>")


@pytest.fixture
def coop_account(app):
    settings = get_settings(db.session)
    settings.bank_account_holder = "Coopérative des espaces partagés"
    settings.bank_iban, settings.bank_bic = COOP_IBAN, "GKCCBEBB"
    db.session.add(settings)
    db.session.commit()
    return settings


def charge(account, cents: int, day: date = date(2027, 1, 31)) -> LedgerEntry:
    entry = LedgerEntry(member_id=account.id, amount_cents=cents, kind="fee", entry_date=day,
                        description="Cotisation")
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.fixture
def sample_people(make_member, coop_account):
    """Léa Dupont and Jan Peeters with the sample's communications; Sofia Martinez without."""
    lea = make_member(name="Léa Dupont")
    jan = make_member(name="Jan Peeters")
    sofia = make_member(name="Sofia Martinez")
    db.session.add_all([AccountCommunication(member_id=lea.id, digits=LEA_COMMUNICATION),
                        AccountCommunication(member_id=jan.id, digits=JAN_COMMUNICATION)])
    db.session.commit()
    charge(lea, 20640)
    charge(jan, 4550)
    charge(sofia, 5000)
    return lea, jan, sofia
