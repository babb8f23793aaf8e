"""Forms for the calendar import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError


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
