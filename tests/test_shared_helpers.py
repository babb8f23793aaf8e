"""The helpers every blueprint shares: number parsing, CSV exports, one transaction per action."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from booking.actions import user_action
from booking.domain.errors import DomainError
from booking.domain.periods import add_months, month_end, period_span
from booking.exports import csv_response, safe_cell
from booking.extensions import db
from booking.forms import parse_decimal
from booking.models import Plan


@pytest.mark.parametrize("typed, locale, expected", [
    ("1.234,50", "nl", "1234.50"), ("1 234,50", "fr", "1234.50"),
    ("1\u202f234,50", "fr", "1234.50"),
    ("1,234.50", "en", "1234.50"), ("12,50", "en", "12.50"), ("12.50", "nl", "12.50"),
    ("7,5", "fr", "7.5"), ("25", "fr", "25"), ("-3", "en", "-3"),
])
def test_amounts_are_read_as_the_member_typed_them(typed, locale, expected):
    assert parse_decimal(typed, locale) == Decimal(expected)


@pytest.mark.parametrize("typed", ["", "  ", "abc", "1e5", "NaN", "12,5,0.1", "Infinity"])
def test_what_is_not_an_amount_is_refused(typed):
    assert parse_decimal(typed, "fr") is None


def test_spreadsheet_formulas_become_plain_text_but_numbers_stay_numbers():
    assert safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("\tcmd") == "'\tcmd"
    assert safe_cell("-12.50") == "-12.50"
    assert safe_cell(-1250) == -1250
    assert safe_cell("Répétition") == "Répétition"


def test_csv_downloads_open_in_a_spreadsheet_with_accents_and_no_formula(app):
    with app.test_request_context():
        response = csv_response("x.csv", ["Nom", "Montant"], [["=cmd|' /C calc'!A0", "-5.00"]])
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    assert response.headers["Content-Disposition"] == 'attachment; filename="x.csv"'
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [["Nom", "Montant"], ["'=cmd|' /C calc'!A0", "-5.00"]]


def test_months_quarters_and_years_cross_the_new_year():
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert month_end(date(2028, 2, 3)) == date(2028, 2, 29)
    assert period_span("quarter", date(2026, 11, 30)) == (date(2026, 10, 1), date(2027, 1, 1))
    assert period_span("year", date(2026, 6, 1)) == (date(2026, 1, 1), date(2027, 1, 1))
    assert period_span("month", date(2026, 12, 9)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_a_refused_action_changes_nothing_and_says_why(app):
    with app.test_request_context():
        with user_action(success="saved") as outcome:
            db.session.add(Plan(name="Half-done"))
            db.session.flush()
            raise DomainError("Choose another name.")
        assert not outcome and str(outcome.error) == "Choose another name."
        assert db.session.query(Plan).filter_by(name="Half-done").count() == 0
        with user_action(success="saved") as outcome:
            db.session.add(Plan(name="Kept"))
        assert outcome
        db.session.expunge_all()
        assert db.session.query(Plan).filter_by(name="Kept").count() == 1
