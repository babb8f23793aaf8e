"""Forms of the bank pages: statement upload, CSV columns, and settling a line."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..forms import EurosField, choices
from ..ledger.forms import CATEGORY_LABELS, METHOD_LABELS

FORMATS = [("", _l("Recognise it")), ("camt053", "CAMT.053 (XML)"), ("csv", "CSV")]
DELIMITERS = [(";", ";"), (",", ","), ("\t", _l("Tab"))]


def account_value(member_id: int | None, organisation_id: int | None) -> str:
    return f"m{member_id}" if member_id else f"o{organisation_id}"


def parse_account(value: str) -> tuple[int | None, int | None]:
    """'m12' -> (12, None); 'o3' -> (None, 3); anything else -> (None, None)."""
    if value and value[0] in "mo" and value[1:].isdigit():
        number = int(value[1:])
        return (number, None) if value[0] == "m" else (None, number)
    return None, None


def account_choices(accounts) -> list:
    return choices([("", _l("Choose an account"))]
                   + [(account_value(*key), name) for key, name in accounts])


class ImportForm(FlaskForm):
    file = FileField(_l("Statement file (CAMT.053 or CSV)"),
                     validators=[FileRequired(_l("Choose the file your bank gave you."))])
    format = SelectField(_l("Format"), choices=choices(FORMATS), validators=[Optional()])
    mapping = SelectField(_l("CSV columns of"), validators=[Optional()], coerce=str)


class CsvPreviewForm(FlaskForm):
    file = FileField(_l("An export of your bank (CSV)"),
                     validators=[FileRequired(_l("Choose a CSV file your bank gave you."))])


class CsvMappingForm(FlaskForm):
    # The columns of the previewed file, one a line: the page then offers them in lists.
    headers = HiddenField()
    bank_name = StringField(_l("Bank"), validators=[DataRequired(_l("Name the bank.")),
                                                    Length(max=80)])
    delimiter = SelectField(_l("Separator"), choices=choices(DELIMITERS))
    # In Python: a Jinja _() would read the % of the formats as placeholders.
    date_format = StringField(_l("Date format"), default="%d/%m/%Y",
                              description=_l("%d/%m/%Y for 28/02/2027, %Y-%m-%d for "
                                             "2027-02-28."),
                              validators=[DataRequired(), Length(max=20)])
    decimal_comma = BooleanField(_l("Amounts use a decimal comma (12,50)"), default=True)
    date_column = StringField(_l("Date column"), validators=[DataRequired(), Length(max=80)])
    # Either one signed amount column, or a debit and a credit column (the domain checks).
    amount_column = StringField(_l("Amount column"), validators=[Length(max=80)])
    debit_column = StringField(_l("Debit column"), validators=[Length(max=80)])
    credit_column = StringField(_l("Credit column"), validators=[Length(max=80)])
    name_column = StringField(_l("Counterparty name column"), validators=[Length(max=80)])
    iban_column = StringField(_l("Counterparty IBAN column"), validators=[Length(max=80)])
    communication_column = StringField(_l("Communication column"),
                                       validators=[Length(max=80)])
    reference_column = StringField(_l("Bank reference column"), validators=[Length(max=80)])


class AssignForm(FlaskForm):
    """The account is 'm<member id>' or 'o<organisation id>'; the domain checks it exists."""

    account = StringField(_l("Account"), validators=[DataRequired(_l("Choose an account"))])


class GiveBackForm(FlaskForm):
    """The id of the credit line a returned transfer gives back; the domain checks it."""

    original = StringField(_l("Transfer given back"),
                           validators=[DataRequired(_l("Choose the transfer it gives back."))])


class SplitPartForm(Form):
    account = SelectField(_l("Account"), validators=[Optional()])
    amount = EurosField(_l("Amount (€)"), validators=[Optional()])


class SplitForm(FlaskForm):
    parts = FieldList(FormField(SplitPartForm), min_entries=4, max_entries=8)


class ExpenseFromDebitForm(FlaskForm):
    label = StringField(_l("Label"), validators=[DataRequired(_l("Say what the cost is.")),
                                                 Length(max=200)])
    category = SelectField(_l("Category"), choices=choices(CATEGORY_LABELS.items()))
    method = SelectField(_l("Share it"), choices=choices(METHOD_LABELS.items()))
