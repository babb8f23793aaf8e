"""The cooperative's settings form."""
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..domain.accounts import bank_account_numbers
from ..domain.errors import DomainError
from ..formatting import CENTS, format_decimal
from ..forms import choices, parse_decimal

CURRENCIES = [("EUR", "EUR (€)"), ("CHF", "CHF"), ("GBP", "GBP (£)"), ("USD", "USD ($)")]


class SettingsForm(FlaskForm):
    name = StringField(_l("Name of the cooperative"), validators=[
        DataRequired(_l("Enter the cooperative's name.")), Length(max=120)])
    timezone = SelectField(_l("Timezone"), choices=choices(
        (z, z) for z in sorted(z for z in available_timezones() if "/" in z)))
    currency = SelectField(_l("Currency"), choices=choices(CURRENCIES))
    contact_email = EmailField(_l("Contact email"), validators=[
        Optional(), Email(_l("Enter a valid email address.")), Length(max=254)])
    contribution_rate = StringField(_l("Volunteer work is credited at (€ per hour)"),
                                    default="15")
    contact_address = TextAreaField(_l("Contact address"), validators=[Optional(), Length(max=500)])
    bank_account_holder = StringField(_l("Account holder"), validators=[Optional(),
                                                                        Length(max=70)])
    bank_iban = StringField(_l("IBAN"), validators=[Optional(), Length(max=42)])
    bank_bic = StringField(_l("BIC"), validators=[Optional(), Length(max=14)])

    def validate_bank_iban(self, field):
        self._check_bank_numbers(field, iban=field.data)

    def validate_bank_bic(self, field):
        self._check_bank_numbers(field, bic=field.data)

    @staticmethod
    def _check_bank_numbers(field, iban: str = "", bic: str = "") -> None:
        try:
            bank_account_numbers(iban, bic)
        except DomainError as error:
            raise ValidationError(error.message) from None

    def validate_contribution_rate(self, field):
        value = parse_decimal(field.data)
        if value is None or value < 0 or value > 1000 or value.as_tuple().exponent < -2:
            raise ValidationError(_l("Write an amount in euros such as 15 or %(example)s.",
                                     example=format_decimal(12.5, CENTS)))
        field.cents = int(value * 100)
