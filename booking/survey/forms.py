"""Forms of the survey builder. The answer form is built from the questions (see answer_views)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from ..domain.survey.building import OptionEdit
from ..forms import choices
from ..models.surveys import QUESTION_KINDS, Survey, SurveyQuestion

KIND_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "scale": _l("Scale from 1 to 5"),
    "yesno": _l("Yes or no"),
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "number": _l("Number"),
}
AUDIENCE_LABELS = {
    "members": _l("Members only: signed in, one response each"),
    "public": _l("Public: anyone with the link, anonymous"),
}


class ShortTexts(Form):
    """One text in French (required where the form says so), Dutch and English."""

    fr = StringField("Français", validators=[Length(max=300)])
    nl = StringField("Nederlands", validators=[Length(max=300)])
    en = StringField("English", validators=[Length(max=300)])

    @property
    def texts(self) -> dict:
        return {code: (self[code].data or "").strip() for code in ("fr", "nl", "en")}

    def fill(self, texts: dict | None) -> None:
        for code in ("fr", "nl", "en"):
            self[code].data = (texts or {}).get(code, "")


class LongTexts(ShortTexts):
    fr = TextAreaField("Français", validators=[Length(max=5000)])
    nl = TextAreaField("Nederlands", validators=[Length(max=5000)])
    en = TextAreaField("English", validators=[Length(max=5000)])


FRENCH_REQUIRED = _l("Write it in French at least: French is shown when a translation is "
                     "missing.")


def _french_given(texts: FormField) -> bool:
    """FormField takes no inline validators: forms check their French texts in validate()."""
    if (texts.form.fr.data or "").strip():
        return True
    texts.form.fr.errors = [*texts.form.fr.errors, FRENCH_REQUIRED]
    return False


class SurveyForm(FlaskForm):
    title = FormField(ShortTexts, label=_l("Title"))
    intro = FormField(LongTexts, label=_l("Introduction"))
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    closes_on = DateField(_l("Last day to answer"), validators=[Optional()])
    audience = SelectField(_l("Who answers"), choices=choices(AUDIENCE_LABELS.items()))
    anonymous = BooleanField(_l("Anonymous: responses are never linked to members"))
    results_published = BooleanField(_l("Publish the results to members"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return _french_given(self.title) and valid

    def fill(self, survey: Survey | None) -> None:
        """The survey's settings, or those of a new survey (anonymous by default)."""
        if survey is None:
            self.anonymous.data = True
            return
        self.title.form.fill(survey.title)
        self.intro.form.fill(survey.intro)
        self.opens_on.data, self.closes_on.data = survey.opens_on, survey.closes_on
        self.audience.data, self.anonymous.data = survey.audience, survey.anonymous
        self.results_published.data = survey.results_published

    def values(self) -> dict:
        """The settings as `building.create_survey` and `update_survey` take them."""
        return {"title": self.title.form.texts, "intro": self.intro.form.texts,
                "opens_on": self.opens_on.data, "closes_on": self.closes_on.data,
                "audience": self.audience.data, "anonymous": self.anonymous.data,
                "results_published": self.results_published.data}

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The last day is before the opening day: choose a later "
                                     "date."))


class SectionForm(FlaskForm):
    title = FormField(ShortTexts, label=_l("Section title"))
    intro = FormField(LongTexts, label=_l("Section introduction"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return _french_given(self.title) and valid


class OptionRow(Form):
    id = HiddenField()
    fr = StringField("Français", validators=[Length(max=300)])
    nl = StringField("Nederlands", validators=[Length(max=300)])
    en = StringField("English", validators=[Length(max=300)])
    remove = BooleanField(_l("Remove"))


class QuestionForm(FlaskForm):
    section_id = SelectField(_l("Section"), coerce=int)
    kind = SelectField(_l("Type"), choices=choices((k, KIND_LABELS[k]) for k in QUESTION_KINDS))
    text = FormField(ShortTexts, label=_l("Question"))
    help = FormField(LongTexts, label=_l("Help text (optional)"))
    required = BooleanField(_l("An answer is required"))
    allow_other = BooleanField(_l("Add “Other, please specify” (choice questions)"))
    scale_min_label = FormField(ShortTexts, label=_l("Label of 1 (scale)"))
    scale_max_label = FormField(ShortTexts, label=_l("Label of 5 (scale)"))
    options = FieldList(FormField(OptionRow), label=_l("Options (choice questions)"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return _french_given(self.text) and valid

    def fill(self, question: SurveyQuestion) -> None:
        self.section_id.data, self.kind.data = question.section_id, question.kind
        self.text.form.fill(question.text)
        self.help.form.fill(question.help)
        self.required.data, self.allow_other.data = question.required, question.allow_other
        self.scale_min_label.form.fill(question.scale_min_label)
        self.scale_max_label.form.fill(question.scale_max_label)
        for option in question.options:
            self.options.append_entry({"id": str(option.id), **option.label})

    def values(self) -> dict:
        """The question as `building.add_question` and `update_question` take it."""
        return {"kind": self.kind.data, "text": self.text.form.texts,
                "help": self.help.form.texts, "required": self.required.data,
                "allow_other": self.allow_other.data,
                "scale_min_label": self.scale_min_label.form.texts,
                "scale_max_label": self.scale_max_label.form.texts}

    def option_edits(self, question: SurveyQuestion | None) -> list[OptionEdit]:
        """The option rows; an id the question does not have counts as a new option."""
        known = {str(o.id): o.id for o in question.options} if question is not None else {}
        return [OptionEdit(id=known.get(row.form.id.data),
                           label={c: row.form[c].data or "" for c in ("fr", "nl", "en")},
                           remove=bool(row.form.remove.data))
                for row in self.options.entries]

    def _written_options(self) -> list[FormField]:
        """The option rows kept and written in at least one language (empty rows are ignored)."""
        return [row for row in self.options.entries
                if not row.form.remove.data and any(
                    (row.form[c].data or "").strip() for c in ("fr", "nl", "en"))]

    def rows_missing_french(self) -> list[FormField]:
        """The rows an options error is about, to tie it to their French field: the written
        rows without French, or every row left when none is written."""
        rows = self._written_options() or [
            row for row in self.options.entries if not row.form.remove.data]
        return [row for row in rows if not (row.form.fr.data or "").strip()]

    def validate_options(self, field):
        if self.kind.data not in ("single", "multiple"):
            return
        kept = self._written_options()
        if not kept:
            raise ValidationError(_l("A choice question needs at least one option: write "
                                     "them in the rows below."))
        for row in kept:
            if not (row.form.fr.data or "").strip():
                raise ValidationError(_l("Each option needs a French label, shown when no "
                                         "translation exists."))
