"""Forms for expenses, allocations, payments, contributions and the ledger's periods."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..formatting import format_decimal
from ..forms import EurosField, choices, parse_decimal

CATEGORY_LABELS = {
    "rent": _l("Rent"), "energy": _l("Energy"), "insurance": _l("Insurance"),
    "renovation": _l("Renovation"), "equipment": _l("Equipment"), "other": _l("Other"),
}
METHOD_LABELS = {
    "usage": _l("By usage (weighted hours booked)"), "equal": _l("Equally among members"),
    "shares": _l("By cost shares"), "mixed": _l("Mixed: a part by shares or equally, the rest "
                                               "by usage"),
}
PAYMENT_METHOD_LABELS = {"transfer": _l("Bank transfer"), "cash": _l("Cash"), "card": _l("Card"),
                         "other": _l("Other")}


class ExpenseForm(FlaskForm):
    label = StringField(_l("Label"), validators=[DataRequired(_l("Say what the cost is.")),
                                                 Length(max=200)])
    category = SelectField(_l("Category"), choices=choices(CATEGORY_LABELS.items()))
    amount = EurosField(_l("Amount (€)"), validators=[DataRequired(_l("Give the amount."))])
    spent_on = DateField(_l("Date of the invoice"), validators=[DataRequired(_l("Give the date."))])
    period_start = DateField(_l("Covers from"),
                             validators=[DataRequired(_l("Give the first day."))])
    period_end = DateField(_l("Covers until (included)"),
                           validators=[DataRequired(_l("Give the last day."))])
    space_id = SelectField(_l("Space (optional)"), coerce=int)
    method = SelectField(_l("Share it"), choices=choices(METHOD_LABELS.items()))
    mixed_percent = IntegerField(_l("Mixed: percent by shares or equally"), default=50,
                                 validators=[Optional()])
    mixed_base = SelectField(_l("Mixed: that part"), choices=choices([
        ("shares", _l("by cost shares")), ("equal", _l("equally"))]))
    spread_months = IntegerField(_l("Spread over (months)"), default=1, validators=[
        NumberRange(1, 240, _l("Between 1 and 240 months."))])
    advanced_by_id = SelectField(_l("Paid in advance by a member (optional)"), coerce=int)
    attachment = FileField(_l("Invoice (PDF, PNG or JPEG, 5 MB at most)"))

    def validate_period_end(self, field):
        if self.period_start.data and field.data and field.data < self.period_start.data:
            raise ValidationError(_l("The period ends before it starts. Check the dates."))

    def validate_mixed_percent(self, field):
        if self.method.data == "mixed" and (field.data is None or not 0 <= field.data <= 100):
            raise ValidationError(_l("Give a percentage from 0 to 100."))


class CorrectionForm(FlaskForm):
    reason = TextAreaField(_l("Why correct it?"), validators=[
        DataRequired(_l("Say why you correct this allocation: it stays in the history.")),
        Length(max=1000)])


class PaymentForm(FlaskForm):
    member_id = SelectField(_l("Member"), coerce=int)
    amount = EurosField(_l("Amount (€)"), validators=[DataRequired(_l("Give the amount."))])
    paid_on = DateField(_l("Date"), validators=[DataRequired(_l("Give the date."))])
    method = SelectField(_l("How"), choices=choices(PAYMENT_METHOD_LABELS.items()))
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=120)])


class DeclarePaymentForm(FlaskForm):
    amount = EurosField(_l("Amount (€)"), validators=[DataRequired(_l("Give the amount."))])
    paid_on = DateField(_l("Date"), validators=[DataRequired(_l("Give the date."))])
    method = SelectField(_l("How"), choices=choices(PAYMENT_METHOD_LABELS.items()))
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=120)])


class ContributionForm(FlaskForm):
    member_id = SelectField(_l("Member"), coerce=int)
    hours = StringField(_l("Hours of work"), validators=[DataRequired(_l("Give the hours."))])
    day = DateField(_l("Date"), validators=[DataRequired(_l("Give the date."))])
    description = StringField(_l("What was done"), validators=[
        DataRequired(_l("Say what was done.")), Length(max=300)])

    def validate_hours(self, field):
        value = parse_decimal(field.data)
        if value is None or value <= 0 or value > 1000:
            raise ValidationError(_l("Write a number of hours such as 20 or %(example)s.",
                                     example=format_decimal(7.5)))
        field.minutes = int(value * 60)


class MonthForm(FlaskForm):
    month = StringField(_l("Month"), validators=[DataRequired(_l("Choose the month."))])

    def validate_month(self, field):
        from datetime import date

        try:
            year, month = (int(p) for p in field.data.split("-")[:2])
            field.first_day = date(year, month, 1)
        except (ValueError, TypeError):
            raise ValidationError(_l("Write the month as 2026-11.")) from None


class DepositForm(FlaskForm):
    member_id = SelectField(_l("Member"), coerce=int)
    amount = EurosField(_l("Amount (€)"), validators=[DataRequired(_l("Give the amount."))])
    received_on = DateField(_l("Received on"), validators=[DataRequired(_l("Give the date."))])
    description = StringField(_l("For what"), validators=[
        DataRequired(_l("Say what the deposit guarantees, such as a key.")), Length(max=200)])


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To (included)"), validators=[Optional()])
