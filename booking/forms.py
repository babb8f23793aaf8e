"""Forms and fields shared by several blueprints."""
from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, get_group_symbol
from babel.numbers import parse_decimal as babel_parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from .formatting import CENTS, format_decimal

# Belgian members type both conventions whatever their page language: "12,50" and "12.50".
# What an <input type="datetime-local"> sends and shows (a machine format, not for reading).
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
FALLBACK_LOCALES = ("fr_BE", "nl_BE", "en")
SPACES = (" ", "\u00a0", "\u202f")
NUMBER_CHARACTERS = re.compile(r"[+-]?[0-9][0-9.,\s\u00a0\u202f]*")


class EmptyForm(FlaskForm):
    """A button-only form, so every POST carries a CSRF token."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms now expects."""
    return [SelectChoice(value, label) for value, label in pairs]


def parse_decimal(text: str | None, locale: str | None = None) -> Decimal | None:
    """A number typed by a person ("1 234,50", "1.234,50", "1,234.50", "12.5") as a Decimal.

    Read strictly in the reader's locale first (so "1.234" is 1234 in Dutch), then in the
    other conventions a Belgian member uses; None when it is not a number in any of them.
    """
    if text is None or not NUMBER_CHARACTERS.fullmatch(str(text).strip()):
        return None
    locale = locale or str(get_locale() or "fr")
    for candidate in dict.fromkeys((locale, *FALLBACK_LOCALES)):
        typed = str(text).strip()
        group = get_group_symbol(candidate)
        for space in SPACES:
            typed = typed.replace(space, group if group in SPACES else "")
        try:
            value = babel_parse_decimal(typed, locale=candidate, strict=True)
        except NumberFormatError:
            continue
        if value.is_finite():
            return value
    return None


class EurosField(StringField):
    """An amount typed in euros ("1 234,56"), kept as integer cents in `.cents`."""

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors:
            return
        value = parse_decimal(self.data)
        if value is None:
            self.errors.append(_l("Write an amount in euros, such as 120 or %(example)s.",
                                  example=format_decimal(120.5, CENTS)))
        elif value.as_tuple().exponent < -2:
            self.errors.append(_l("Use at most two decimals: amounts are in cents."))
        elif value <= 0:
            self.errors.append(_l("The amount must be more than zero."))
        elif value > 10_000_000:
            self.errors.append(_l("This amount is too large. Check it."))
        else:
            self.cents = int(value * 100)
