"""What every part of the survey shares: texts in three languages, the state of a survey,
who sees its results, and loading it with its questions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ...models import Member
from ...models.surveys import (
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)

LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
SCALE_VALUES = (1, 2, 3, 4, 5)


# --- Texts in three languages ------------------------------------------------------------

def translated(texts: dict | None, locale: str) -> str:
    """The text in the reader's language, else French, else any language given."""
    texts = texts or {}
    for code in (locale, DEFAULT_LANGUAGE, *LANGUAGES):
        if texts.get(code):
            return texts[code]
    return ""


def number_text(value) -> str:
    """A stored number as plain digits, without trailing zeros: "3.5", "12"."""
    return format(Decimal(value).normalize(), "f")


def clean_texts(texts: dict | None) -> dict:
    return {code: (texts or {}).get(code, "").strip() for code in LANGUAGES
            if (texts or {}).get(code, "").strip()}


# --- State of a survey -------------------------------------------------------------------

def survey_state(survey: Survey, today: date) -> str:
    """draft, scheduled (published, not open yet), open or closed."""
    if survey.status == "draft":
        return "draft"
    if survey.opens_on and today < survey.opens_on:
        return "scheduled"
    if survey.closes_on and today > survey.closes_on:
        return "closed"
    return "open"


# --- Loading -----------------------------------------------------------------------------

def load_survey(session: Session, survey_id: int) -> Survey | None:
    """A survey with its sections, questions and options, in four queries."""
    return session.execute(
        select(Survey).where(Survey.id == survey_id).options(
            selectinload(Survey.sections).selectinload(SurveySection.questions)
            .selectinload(SurveyQuestion.options))
    ).scalar_one_or_none()


def load_survey_by_token(session: Session, token: str) -> Survey | None:
    survey = session.execute(select(Survey.id).where(Survey.token == token)).scalar_one_or_none()
    return load_survey(session, survey) if survey is not None else None


def ordered_questions(survey: Survey) -> list[SurveyQuestion]:
    return [q for section in survey.sections for q in section.questions]


def response_count(session: Session, survey: Survey) -> int:
    return session.execute(select(func.count(SurveyResponse.id))
                           .where(SurveyResponse.survey_id == survey.id)).scalar_one()


# --- Who sees what ------------------------------------------------------------------------

def can_see_results(survey: Survey, member: Member | None) -> bool:
    """Co-managers always; others once the results are published (members-only surveys to
    signed-in people). One rule for the pages and the API."""
    if member is not None and member.is_comanager:
        return True
    if not survey.results_published or survey.status == "draft":
        return False
    return survey.audience == "public" or member is not None


@dataclass
class SurveyList:
    """The surveys a person is shown, with what the list page says about each."""

    surveys: list[Survey]
    states: dict[int, str]
    answered: set[int] = field(default_factory=set)  # ids of the surveys they answered
    counts: dict[int, int] = field(default_factory=dict)  # responses, for co-managers only
    results_visible: set[int] = field(default_factory=set)


def surveys_for(session: Session, member: Member, today: date) -> SurveyList:
    """Co-managers see every survey; members the open members' surveys, and the closed ones
    whose results they may see."""
    query = select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())
    if not member.is_comanager:
        query = query.where(Survey.status == "published", Survey.audience == "members")
    surveys = session.execute(query).scalars().all()
    states = {s.id: survey_state(s, today) for s in surveys}
    if not member.is_comanager:
        surveys = [s for s in surveys if states[s.id] == "open"
                   or (states[s.id] == "closed" and can_see_results(s, member))]
    listing = SurveyList(list(surveys), states,
                         results_visible={s.id for s in surveys if can_see_results(s, member)})
    ids = [s.id for s in surveys]
    if not ids:
        return listing
    listing.answered = set(session.execute(
        select(SurveyParticipation.survey_id).where(
            SurveyParticipation.survey_id.in_(ids),
            SurveyParticipation.member_id == member.id)).scalars())
    if member.is_comanager:
        listing.counts = dict(session.execute(
            select(SurveyResponse.survey_id, func.count())
            .where(SurveyResponse.survey_id.in_(ids))
            .group_by(SurveyResponse.survey_id)).all())
    return listing
