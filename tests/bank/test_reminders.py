"""Reminders: accounts owing more than a threshold for more than N days."""
from datetime import date

from booking.domain import bank
from booking.extensions import db

from .conftest import charge


def test_only_accounts_owing_long_enough_are_reminded(app, make_member):
    old, recent, small = make_member(name="Old"), make_member(name="Recent"), make_member()
    charge(old, 9000, date(2027, 1, 1))
    charge(recent, 9000, date(2027, 2, 25))
    charge(small, 1000, date(2027, 1, 1))
    owing = bank.members_to_remind(db.session, threshold_cents=5000, days=30,
                                   today=date(2027, 3, 1))
    assert [(m.id, due) for m, due in owing] == [(old.id, 9000)]


def test_remind_payments_command_lists_them(app, runner, make_member):
    member = make_member(email="late@example.org")
    charge(member, 9000, date(2020, 1, 1))
    result = runner.invoke(args=["remind-payments", "--threshold", "50", "--days", "30"])
    assert result.exit_code == 0
    assert "late@example.org\t90.00" in result.output and "1 reminder(s)." in result.output
