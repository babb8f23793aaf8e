"""Forms for plans, quota rules and the usage report's period."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..domain.quotas import OVER_LIMIT_LABELS
from ..domain.spaces import KIND_LABELS
from ..formatting import CENTS, format_decimal
from ..forms import choices, parse_decimal


class PlanForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the plan a name.")),
                                               Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    monthly_fee = StringField(_l("Monthly fee (€)"), default="0")
    shares = IntegerField(_l("Cost shares"), default=1, validators=[
        NumberRange(0, 1000, _l("A whole number from 0 to 1000."))])

    def validate_monthly_fee(self, field):
        value = parse_decimal(field.data)
        if value is None or value < 0 or value > 100000:
            raise ValidationError(_l("Write an amount in euros such as 25 or %(example)s.",
                                     example=format_decimal(25.5, CENTS)))
        field.cents = int((value * 100).to_integral_value())


class QuotaRuleForm(FlaskForm):
    holder = SelectField(_l("Who"), choices=choices([
        ("plan", _l("Everyone on a plan")), ("member", _l("One member")),
        ("organisation", _l("An organisation, as one shared pool"))]))
    plan_id = SelectField(_l("Plan"), coerce=int)
    member_id = SelectField(_l("Member"), coerce=int)
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    scope = SelectField(_l("Covers"), choices=choices([
        ("kind", _l("A kind of space")), ("space", _l("One space"))]))
    space_kind = SelectField(_l("Kind of space"), choices=choices(KIND_LABELS.items()))
    space_id = SelectField(_l("Space"), coerce=int)
    period = SelectField(_l("Per"), choices=choices([("month", _l("calendar month")),
                                                     ("week", _l("week (Monday to Sunday)"))]))
    hours = StringField(_l("Hours"), validators=[DataRequired(_l("Give the number of hours."))])
    over_limit = SelectField(_l("Beyond the limit"), choices=choices(OVER_LIMIT_LABELS.items()))
    peak_weight = StringField(_l("Evening and weekend hours count"), default="1")
    peak_from = TimeField(_l("Evening starts at"), validators=[Optional()])
    peak_weekends = BooleanField(_l("Weekend hours count as evening hours"))

    def validate_hours(self, field):
        value = parse_decimal(field.data)
        if value is None or value < 0 or value > 10000:
            raise ValidationError(_l("Write a number of hours such as 20 or %(example)s.",
                                     example=format_decimal(7.5)))
        field.minutes = int((value * 60).to_integral_value())

    def validate_peak_weight(self, field):
        value = parse_decimal(field.data)
        if value is None or value < 1 or value > 10:
            raise ValidationError(_l("Write a factor from 1 to 10, such as %(example)s.",
                                     example=format_decimal(1.5)))
        field.pct = int((value * 100).to_integral_value())

    def values(self) -> dict:
        holder = self.holder.data
        return {
            "plan_id": self.plan_id.data if holder == "plan" else None,
            "member_id": self.member_id.data if holder == "member" else None,
            "organisation_id": self.organisation_id.data if holder == "organisation" else None,
            "space_id": self.space_id.data if self.scope.data == "space" else None,
            "space_kind": self.space_kind.data if self.scope.data == "kind" else None,
            "period": self.period.data, "limit_minutes": self.hours.minutes,
            "over_limit": self.over_limit.data, "peak_weight_pct": self.peak_weight.pct,
            "peak_from": self.peak_from.data, "peak_weekends": self.peak_weekends.data,
        }


class UsagePeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a report changes nothing and its address can be shared

    period = SelectField(_l("Period"), default="month", choices=choices([
        ("month", _l("Month")), ("quarter", _l("Quarter")), ("year", _l("Year")),
        ("custom", _l("Custom"))]))
    date = DateField(_l("Containing the day"), validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To (included)"), validators=[Optional()])

    def validate_end(self, field):
        if self.period.data == "custom":
            if not self.start.data or not field.data:
                raise ValidationError(_l("Give both days of the custom period."))
            if field.data < self.start.data:
                raise ValidationError(_l("The last day comes before the first."))
            if (field.data - self.start.data).days > 3 * 366:
                raise ValidationError(_l("Choose a period of at most three years."))
