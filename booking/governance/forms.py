"""Forms of the charter and the proposals."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import LOCAL_FORMAT, EurosField, choices

KIND_CHOICES = [("consent", _l("Consent (agree, abstain, disagree, block)")),
                ("majority", _l("Majority vote (yes, no, abstain)")),
                ("choice", _l("Choice among options")),
                ("score", _l("Score each option from 0 to 5")),
                ("time", _l("Time poll for a meeting date"))]
HORIZON_CHOICES = [("short", _l("Short term (under 6 months)")),
                   ("medium", _l("Medium term (6 to 24 months)")),
                   ("long", _l("Long term (beyond 2 years)"))]
VOTER_CHOICES = [("members", _l("All members")), ("comanagers", _l("Co-managers")),
                 ("organisations", _l("One vote per organisation"))]
THRESHOLD_CHOICES = [("simple", _l("Simple majority")), ("two_thirds", _l("Two thirds")),
                     ("no_block", _l("No block (consent)"))]
PROPOSER_CHOICES = [("members", _l("Any member")), ("comanagers", _l("Co-managers only"))]
STANCE_CHOICES = [("for", _l("For")), ("against", _l("Against")), ("other", _l("Other"))]


class CharterForm(FlaskForm):
    body_markdown = TextAreaField(_l("Text of the charter (Markdown)"), validators=[
        DataRequired(_l("Write the charter's text.")), Length(max=100_000)])
    summary = TextAreaField(_l("Summary of changes"), validators=[Optional(), Length(max=2000)])
    requires_acceptance = BooleanField(_l("Everyone must accept this version again"),
                                       default=True)
    deposit_required_to_book = BooleanField(_l("The deposit must be paid before booking"))


class AcceptForm(FlaskForm):
    version = HiddenField()


class RulesForm(FlaskForm):
    """The rules of a decision: the cooperative's defaults, or one proposal's."""

    voters = SelectField(_l("Who votes"), choices=choices(VOTER_CHOICES))
    quorum_percent = IntegerField(_l("Quorum (percentage of those who may vote)"), validators=[
        InputRequired(_l("Give a percentage from 0 to 100.")), NumberRange(0, 100)], default=50)
    threshold = SelectField(_l("Threshold"), choices=choices(THRESHOLD_CHOICES))
    anonymous = BooleanField(_l("Anonymous votes"))
    results_before_close = BooleanField(_l("Show the results before closing"))
    votes_changeable = BooleanField(_l("A vote may be changed until closing"), default=True)


class SettingsForm(RulesForm):
    proposers = SelectField(_l("Who may propose"), choices=choices(PROPOSER_CHOICES))


class ProposalForm(RulesForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the proposal a title (at most 200 characters).")),
        Length(max=200)])
    body_markdown = TextAreaField(_l("Text (Markdown)"), validators=[Optional(),
                                                                    Length(max=50_000)])
    kind = SelectField(_l("Kind of decision"), choices=choices(KIND_CHOICES))
    options = TextAreaField(_l("Options, one per line (choice, score and time polls)"),
                            validators=[Optional(), Length(max=5000)])
    multiple = BooleanField(_l("Several options may be chosen"))
    horizon = SelectField(_l("Horizon"), choices=choices(HORIZON_CHOICES))
    estimated_cost = EurosField(_l("Estimated cost (optional)"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes at"), format=LOCAL_FORMAT, validators=[
        DataRequired(_l("Give the closing date and time."))])
    survey_questions = SelectMultipleField(_l("Survey questions that motivated it"),
                                           coerce=int, validators=[Optional()])


class CommentForm(FlaskForm):
    stance = SelectField(_l("Your argument is"), choices=choices(STANCE_CHOICES), default="other")
    body = TextAreaField(_l("Comment"), validators=[
        DataRequired(_l("Write your comment (at most 5,000 characters).")), Length(max=5000)])


class PlanForm(FlaskForm):
    first_month = StringField(_l("First month (YYYY-MM)"), validators=[
        DataRequired(_l("The period must be a month such as 2026-11."))])
    spread_months = IntegerField(_l("Spread over (months)"), default=12, validators=[
        DataRequired(_l("Between 1 and 240 months.")), NumberRange(1, 240)])
