"""Forms to book, change, cancel and approve, and to search for a free slot."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..domain.spaces import KIND_LABELS
from ..forms import LOCAL_FORMAT, choices

SCOPE_CHOICES = [("one", _l("Only this date")), ("following", _l("This date and the following")),
                 ("all", _l("All the dates still to come"))]


class BookingDetailsForm(FlaskForm):
    """What every booking form asks: when, and what for."""

    start = DateTimeLocalField(_l("Start"), format=LOCAL_FORMAT, validators=[
        DataRequired(_l("Give the start date and time."))])
    end = DateTimeLocalField(_l("End"), format=LOCAL_FORMAT, validators=[
        DataRequired(_l("Give the end date and time."))])
    title = StringField(_l("What for"), validators=[
        DataRequired(_l("Say in a few words what the booking is for.")), Length(max=200)])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must come after the start. Check the times."))


def participants_field(**options) -> SelectMultipleField:
    """Who takes part, as the booking form and the change page name them."""
    return SelectMultipleField(_l("Participants (optional)"), coerce=int,
                               validators=[Optional()], **options)


class BookingForm(BookingDetailsForm):
    space_id = SelectField(_l("Space"), coerce=int)
    # Co-managers only (the view removes it for members): book on a member's behalf.
    member_id = SelectField(_l("Booked for"), coerce=int, validators=[Optional()])
    participant_ids = participants_field()
    for_organisation = BooleanField(_l("For the organisation: all its members take part and "
                                       "its quota pool is counted"))
    repeat = SelectField(_l("Repeat"), choices=choices([
        ("none", _l("Does not repeat")), ("weekly", _l("Every week or every few weeks")),
        ("monthly", _l("Every month, on the same weekday"))]), default="none")
    interval = IntegerField(_l("Every how many weeks or months"), default=1, validators=[
        Optional(), NumberRange(1, 12, _l("Between 1 and 12."))])
    count = IntegerField(_l("Number of dates"), validators=[
        Optional(), NumberRange(2, 200, _l("Between 2 and 200 dates."))])
    until = DateField(_l("or until (included)"), validators=[Optional()])

    def validate_repeat(self, field):
        if field.data != "none" and bool(self.count.data) == bool(self.until.data):
            raise ValidationError(_l("For a repeated booking, give either a number of dates or "
                                     "an end date (not both)."))


class EditBookingForm(BookingDetailsForm):
    scope = SelectField(_l("Apply to"), choices=choices(SCOPE_CHOICES), default="one")


class ParticipantsForm(FlaskForm):
    """The change page's participants, posted on their own. The domain says why a member
    named is refused (no longer active), so the choices are not checked here."""

    participant_ids = participants_field(validate_choice=False)


class CancelBookingForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=1000)])
    scope = SelectField(_l("Cancel"), choices=choices(SCOPE_CHOICES), default="one")


class RejectBookingForm(FlaskForm):
    reason = TextAreaField(_l("Why is it rejected?"), validators=[
        DataRequired(_l("Say why the booking is rejected: the member will read it.")),
        Length(max=1000)])


class FindSlotForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing, and its URL can be shared

    kind = SelectField(_l("Kind of space"), choices=choices(KIND_LABELS.items()))
    duration = SelectField(_l("Length"), coerce=int, default=120, choices=choices(
        [(m, f"{m // 60} h {m % 60:02d}" if m % 60 else f"{m // 60} h")
         for m in (30, 60, 90, 120, 180, 240, 360, 480)]))
    date_from = DateField(_l("From"), validators=[DataRequired(_l("Give the first day."))])
    date_to = DateField(_l("To"), validators=[DataRequired(_l("Give the last day."))])
    time_from = TimeField(_l("Not before"), validators=[Optional()])
    time_to = TimeField(_l("Not after"), validators=[Optional()])

    def validate_date_to(self, field):
        if self.date_from.data and field.data:
            if field.data < self.date_from.data:
                raise ValidationError(_l("The last day comes before the first."))
            if (field.data - self.date_from.data).days > 62:
                raise ValidationError(_l("Search at most two months at a time."))

    def validate_time_to(self, field):
        if self.time_from.data and field.data and field.data <= self.time_from.data:
            raise ValidationError(_l("“Not after” must come after “Not before”."))
