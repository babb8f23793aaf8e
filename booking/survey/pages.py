"""What the survey's pages share: the blueprint, the reader's day and language, the survey
or a 404, the message box of a form, and the template filters for survey texts and figures."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app
from flask_babel import get_locale
from flask_login import current_user

from .. import clock
from ..domain.survey import common
from ..extensions import db
from ..formatting import format_decimal, format_locale, format_percent
from ..forms import EmptyForm
from ..models import Survey
from ..timezones import to_local

bp = Blueprint("survey", __name__, url_prefix="/surveys")


def reader_locale() -> str:
    return str(get_locale() or "fr")


def today():
    return to_local(clock.now()).date()


def is_comanager() -> bool:
    return current_user.is_authenticated and current_user.is_comanager


def viewer():
    """The signed-in member, or None for a visitor (public surveys)."""
    return current_user if current_user.is_authenticated else None


@dataclass
class PageError:
    """Stands in for a form field so that `user_action` shows a domain error at the top of
    the form (the page's own message box) instead of flashing it."""

    errors: list = field(default_factory=list)

    @property
    def message(self) -> str | None:
        return str(self.errors[-1]) if self.errors else None


def survey_or_404(survey_id: int) -> Survey:
    survey = common.load_survey(db.session, survey_id)
    if survey is None:
        abort(404)
    return survey


def check_post() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def embed_origins() -> list[str]:
    return current_app.config.get("SURVEY_EMBED_ORIGINS", "").split()


# --- Template helpers ---------------------------------------------------------------------

@bp.app_template_filter("tr")
def _translated_filter(texts: dict | None) -> str:
    """A survey text in the reader's language, falling back to French."""
    return common.translated(texts, reader_locale())


@bp.app_template_filter("share")
def _share_filter(value: float) -> str:
    """A share as the reader writes it (75,5 % in French), one decimal at most."""
    pattern = format_locale().percent_formats[None].pattern
    if "." not in pattern:
        pattern = pattern.replace("0", "0.#", 1)
    return format_percent(value, pattern)


@bp.app_template_filter("figure")
def _figure_filter(value) -> str:
    return "" if value is None else format_decimal(value, "#,##0.##")
