"""Forms for spaces, closures and the import of a calendar as closures."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..domain.spaces import KIND_LABELS, parse_ranges
from ..formatting import CENTS, format_decimal
from ..forms import LOCAL_FORMAT, choices, parse_decimal
from ..models.spaces import COLOURS, WEEKDAY_KEYS

COLOUR_LABELS = {
    "terracotta": _l("Terracotta"), "ocean": _l("Ocean blue"), "forest": _l("Forest green"),
    "plum": _l("Plum"), "ochre": _l("Ochre"), "slate": _l("Slate grey"), "rose": _l("Rose"),
    "teal": _l("Teal"),
}
WEEKDAY_LABELS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                  _l("Saturday"), _l("Sunday")]
def format_ranges(ranges: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in ranges)


class OpeningHoursField(StringField):
    """One weekday's opening hours, typed as text so the page works without JavaScript."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self.ranges = parse_ranges(self.data or "")
        except ValueError as error:
            self.ranges = None
            raise ValueError(str(error)) from None


def _decimal(text: str | None, places: int) -> Decimal | None:
    value = parse_decimal(text)
    return None if value is None else round(value, places)


class SpaceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the space a name.")),
                                               Length(max=120)])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    capacity = IntegerField(_l("Capacity (people)"), default=1, validators=[
        DataRequired(_l("Give the capacity.")),
        NumberRange(1, 1000, _l("The capacity is a number from 1 to 1000."))])
    access_instructions = TextAreaField(_l("Access instructions"),
                                        validators=[Optional(), Length(max=4000)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    colour = SelectField(_l("Colour in calendars"), choices=choices(
        (c, COLOUR_LABELS[c]) for c in COLOURS))
    hourly_weight = StringField(_l("Hourly weight for cost sharing"), default="1")
    hourly_rate = StringField(_l("Hourly rate for overage (€)"), default="0")
    mon = OpeningHoursField(WEEKDAY_LABELS[0])
    tue = OpeningHoursField(WEEKDAY_LABELS[1])
    wed = OpeningHoursField(WEEKDAY_LABELS[2])
    thu = OpeningHoursField(WEEKDAY_LABELS[3])
    fri = OpeningHoursField(WEEKDAY_LABELS[4])
    sat = OpeningHoursField(WEEKDAY_LABELS[5])
    sun = OpeningHoursField(WEEKDAY_LABELS[6])
    slot_minutes = SelectField(_l("Time step"), coerce=int, choices=choices(
        [(15, _l("15 minutes")), (30, _l("30 minutes")), (60, _l("1 hour"))]), default=30)
    min_minutes = IntegerField(_l("Shortest booking (minutes)"), default=60, validators=[
        DataRequired(_l("Give the shortest booking length.")),
        NumberRange(15, 60 * 24 * 14, _l("Between 15 minutes and 14 days."))])
    max_minutes = IntegerField(_l("Longest booking (minutes)"), default=480, validators=[
        DataRequired(_l("Give the longest booking length.")),
        NumberRange(15, 60 * 24 * 14, _l("Between 15 minutes and 14 days."))])
    horizon_days = IntegerField(_l("Bookable how far ahead (days)"), default=90, validators=[
        NumberRange(1, 730, _l("Between 1 and 730 days."))])
    notice_hours = IntegerField(_l("Minimum notice (hours)"), default=0, validators=[
        Optional(), NumberRange(0, 24 * 30, _l("Between 0 and 720 hours."))])
    buffer_minutes = IntegerField(_l("Buffer between bookings (minutes)"), default=0, validators=[
        Optional(), NumberRange(0, 24 * 60, _l("Between 0 and 1440 minutes."))])
    cancel_notice_hours = IntegerField(_l("Late cancellation below (hours before start)"),
                                       default=48, validators=[
        Optional(), NumberRange(0, 24 * 30, _l("Between 0 and 720 hours."))])
    needs_approval = BooleanField(_l("Bookings need a co-manager's approval"))
    show_titles = BooleanField(_l("Show booking titles to every member (else “Booked”)"))
    checkin_required = BooleanField(_l("Members must check in (else the booking is a no-show)"))
    checkin_opens_minutes = IntegerField(_l("Check-in opens (minutes before the start)"),
                                         default=15, validators=[
        Optional(), NumberRange(0, 1440, _l("Between 0 and 1440 minutes."))])
    checkin_grace_minutes = IntegerField(_l("No-show after (minutes after the start)"),
                                         default=15, validators=[
        DataRequired(_l("Give the minutes after the start.")),
        NumberRange(1, 1440, _l("Between 1 and 1440 minutes."))])
    checkin_release = BooleanField(_l("A no-show frees the rest of the slot for others"),
                                   default=True)
    no_show_cost = SelectField(_l("What a no-show costs"), choices=choices([
        ("quota", _l("Its hours count in the quota anyway")),
        ("fee", _l("A fee posted to the member's account"))]), default="quota")
    no_show_fee = StringField(_l("No-show fee (€)"), default="0")
    waitlist_offer_minutes = IntegerField(_l("A freed slot is held for the waiting list for "
                                             "(minutes)"), default=120, validators=[
        DataRequired(_l("Give how long a freed slot is held.")),
        NumberRange(1, 10080, _l("Between 1 minute and 7 days."))])

    def validate_no_show_fee(self, field):
        value = _decimal(field.data or "0", 2)
        if value is None or value < 0 or value > 10000:
            raise ValidationError(_l("Write an amount in euros such as 12.50."))
        field.parsed = int(value * 100)

    def validate_hourly_weight(self, field):
        value = _decimal(field.data, 2)
        if value is None or value < 0 or value > 100:
            raise ValidationError(_l("Write a number such as 1 or %(example)s.",
                                     example=format_decimal(1.5)))
        field.parsed = int(value * 100)

    def validate_hourly_rate(self, field):
        value = _decimal(field.data, 2)
        if value is None or value < 0 or value > 100000:
            raise ValidationError(_l("Write an amount in euros such as %(example)s.",
                                     example=format_decimal(12.5, CENTS)))
        field.parsed = int(value * 100)

    def validate_max_minutes(self, field):
        if self.min_minutes.data and field.data and field.data < self.min_minutes.data:
            raise ValidationError(_l("The longest booking cannot be shorter than the shortest."))

    def validate_min_minutes(self, field):
        if field.data and self.slot_minutes.data and field.data % self.slot_minutes.data:
            raise ValidationError(_l("Use a multiple of the time step (%(step)d minutes).",
                                     step=self.slot_minutes.data))

    def opening_hours(self) -> dict:
        return {key: getattr(self, key).ranges for key in WEEKDAY_KEYS}

    def fill_from(self, space) -> None:
        for key in WEEKDAY_KEYS:
            getattr(self, key).data = format_ranges((space.opening_hours or {}).get(key, []))
        self.hourly_weight.data = f"{space.hourly_weight_pct / 100:g}"
        self.hourly_rate.data = f"{space.hourly_rate_cents / 100:.2f}"
        self.notice_hours.data = space.notice_minutes // 60
        self.no_show_fee.data = f"{space.no_show_fee_cents / 100:.2f}"


class ClosureForm(FlaskForm):
    space_id = SelectField(_l("Space"), coerce=int)
    start = DateTimeLocalField(_l("From"), format=LOCAL_FORMAT, validators=[
        DataRequired(_l("Give the start date and time."))])
    end = DateTimeLocalField(_l("Until"), format=LOCAL_FORMAT, validators=[
        DataRequired(_l("Give the end date and time."))])
    reason = StringField(_l("Reason"), validators=[
        DataRequired(_l("Say why the space is closed: members will see it.")), Length(max=200)])

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must come after the start. Check the times."))


class ClosureCancelForm(FlaskForm):
    message = TextAreaField(_l("Message to the members whose bookings are cancelled"),
                            validators=[DataRequired(_l("Write a short message to the members.")),
                                        Length(max=1000)])


class ImportCalendarForm(FlaskForm):
    space_id = SelectField(_l("Space"), coerce=int)
    file = FileField(_l("Calendar file (.ics)"))
    url = StringField(_l("Or the calendar's address"), validators=[Optional(), Length(max=2000)],
                      render_kw={"placeholder": "https://…/calendar.ics", "inputmode": "url"})

    def validate_url(self, field):
        has_file = bool(self.file.data and getattr(self.file.data, "filename", ""))
        if not has_file and not (field.data or "").strip():
            raise ValidationError(_l("Choose a .ics file, or give the calendar's address."))
        if has_file and (field.data or "").strip():
            raise ValidationError(_l("Give a file or an address, not both."))


class ConfirmImportForm(FlaskForm):
    """The previewed calendar travels back in a hidden field and is read again on confirm."""

    space_id = IntegerField(validators=[Optional()])
    calendar = HiddenField(validators=[DataRequired()])
