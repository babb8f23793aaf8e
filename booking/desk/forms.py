"""Forms for equipment (co-managers) and the waiting list."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..forms import LOCAL_FORMAT, parse_decimal


class EquipmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the equipment a name.")),
                                               Length(max=120)])
    quantity = IntegerField(_l("Quantity"), default=1, validators=[
        DataRequired(_l("Give how many there are.")),
        NumberRange(1, 10000, _l("Between 1 and 10000."))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    hourly_weight = StringField(_l("Hourly weight of one unit for cost sharing"), default="0")
    space_ids = SelectMultipleField(_l("Usable in (none chosen: any space)"), coerce=int)
    active = BooleanField(_l("Lent (untick to stop new reservations)"), default=True)

    def validate_hourly_weight(self, field):
        value = parse_decimal(field.data or "0")
        if value is None or value < 0 or value > 100:
            raise ValidationError(_l("Write a number such as 0, 0.5 or 1."))
        field.parsed = int(round(value, 2) * 100)

    def fill_from(self, item) -> None:
        self.hourly_weight.data = f"{Decimal(item.hourly_weight_pct) / 100:g}"
        self.space_ids.data = [s.id for s in item.spaces]


class JoinWaitlistForm(FlaskForm):
    """Shown under the booking form on a taken time: prefixed, so its ids stay unique there."""

    PREFIX = "waitlist"

    space_id = HiddenField(validators=[DataRequired()])
    start = DateTimeLocalField(_l("Start"), format=LOCAL_FORMAT, validators=[
        DataRequired(_l("Give the start date and time."))])
    end = DateTimeLocalField(_l("End"), format=LOCAL_FORMAT, validators=[
        DataRequired(_l("Give the end date and time."))])
    auto_book = BooleanField(_l("Book it for me if it frees up"))

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must come after the start. Check the times."))


class AcceptOfferForm(FlaskForm):
    title = StringField(_l("What for"), validators=[
        DataRequired(_l("Say in a few words what the booking is for.")), Length(max=200)])


class RemoveWaitlistEntryForm(FlaskForm):
    """A co-manager takes someone off a line, saying why (the member reads it)."""

    reason = StringField(_l("Why is it removed?"), validators=[
        DataRequired(_l("Say why the entry is removed: the member will read it.")),
        Length(max=500)])
