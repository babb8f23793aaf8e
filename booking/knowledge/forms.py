"""The toolbox's forms: an article, a search, a question, an answer."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import choices

KIND_LABELS = {
    "guide": _l("Guide"),
    "checklist": _l("Checklist"),
    "template": _l("Template"),
    "address": _l("Address book entry"),
}
LANGUAGE_LABELS = {"fr": "Français", "nl": "Nederlands", "en": "English"}


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body_markdown = TextAreaField(
        _l("Text (Markdown: # title, **bold**, - list, - [ ] box to tick, [link](https://...))"),
        validators=[Length(max=200_000)])
    lang = SelectField(_l("Language"), choices=choices(LANGUAGE_LABELS.items()))
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    tags = StringField(_l("Tags, separated by commas"), validators=[Length(max=500)])
    summary = StringField(_l("What changed, in a few words"), validators=[Length(max=200)])
    comanagers_only = BooleanField(_l("Co-managers edit only (members propose changes)"))
    space_id = SelectField(_l("“How to use this space” article of"), coerce=int, choices=[],
                           validators=[Optional()])
    translation_of = HiddenField()


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing changes

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=40)])
    lang = SelectField(_l("Language"), choices=[], validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[], validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lang.choices = choices([("", _l("All languages")), *LANGUAGE_LABELS.items()])
        self.kind.choices = choices([("", _l("All kinds")), *KIND_LABELS.items()])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (.docx, .odt, .xlsx, .ods, .pdf, .png, .jpg; 5 MB at most)"))


class QuestionForm(FlaskForm):
    title = StringField(_l("Your question"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Details (optional)"), validators=[Length(max=20_000)])
    article_id = HiddenField()


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=20_000)])


class AddToArticleForm(FlaskForm):
    article_id = SelectField(_l("Article"), coerce=int, choices=[])
