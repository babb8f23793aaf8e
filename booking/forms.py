"""Forms shared by several blueprints."""
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


class EmptyForm(FlaskForm):
    """A button-only form, so every POST carries a CSRF token."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms now expects."""
    return [SelectChoice(value, label) for value, label in pairs]
