"""Answering a survey: validation of every answer, recording a response, and the anonymity
of who answered (a participation row, kept apart from the answers and reshuffled)."""
from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ...formatting import format_date, format_decimal
from ...models import Member
from ...models.surveys import (
    CHOICE_KINDS,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    random_id,
)
from ..errors import DomainError
from ..locks import lock_row
from .common import SCALE_VALUES, number_text, ordered_questions, survey_state

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
OTHER_TEXT_MAX = 200
NUMBER_LIMIT = Decimal("1e10")
OTHER = "other"


class SurveyNotOpen(DomainError):
    pass


class AlreadyAnswered(DomainError):
    pass


class AnswersInvalid(DomainError):
    """Some answers are not acceptable; `errors` maps question ids to messages."""

    def __init__(self, errors: dict[int, object]):
        super().__init__(_l("Some answers need your attention: see the messages below."))
        self.errors = errors


def check_open(survey: Survey, today: date) -> None:
    state = survey_state(survey, today)
    if state == "draft":
        raise SurveyNotOpen(_l("This survey is not open: the co-managers are still preparing "
                               "it."))
    if state == "scheduled":
        raise SurveyNotOpen(_l("This survey opens on %(date)s: come back then.",
                               date=format_date(survey.opens_on, "long")))
    if state == "closed":
        raise SurveyNotOpen(_l("This survey closed on %(date)s: answers are no longer "
                               "accepted.", date=format_date(survey.closes_on, "long")))


@dataclass
class RawAnswer:
    """What the form sent for one question: the values (option ids, "other", text) and the
    "other, please specify" text."""

    values: list[str] = field(default_factory=list)
    other: str = ""


@dataclass
class AnswerValue:
    question_id: int
    option_id: int | None = None
    text: str | None = None
    number: Decimal | None = None


REQUIRED = _l("Please answer this question.")
UNKNOWN_OPTION = _l("This choice is not one of the proposed answers: choose among them.")


def _too_long(text: str, limit: int):
    return _l("Keep your answer under %(limit)d characters (it has %(count)d).",
              limit=limit, count=len(text))


def _validate_one(question: SurveyQuestion, raw: RawAnswer) -> list[AnswerValue]:
    values = [v.strip() for v in raw.values if v and v.strip()]
    other = (raw.other or "").strip()
    kind = question.kind
    if kind in CHOICE_KINDS:
        if other and question.allow_other and OTHER not in values:
            values.append(OTHER)  # typed in the "other" box without ticking it
        if kind == "single" and len(values) > 1:
            raise ValueError(_l("Choose only one answer."))
        option_ids = {str(o.id): o.id for o in question.options}
        answers = []
        for value in dict.fromkeys(values):
            if value == OTHER and question.allow_other:
                if not other:
                    raise ValueError(_l("You chose “Other”: please say what it is."))
                if len(other) > OTHER_TEXT_MAX:
                    raise ValueError(_too_long(other, OTHER_TEXT_MAX))
                answers.append(AnswerValue(question.id, text=other))
            elif value in option_ids:
                answers.append(AnswerValue(question.id, option_id=option_ids[value]))
            else:
                raise ValueError(UNKNOWN_OPTION)
        return answers
    if len(values) > 1:
        raise ValueError(_l("Give one answer only."))
    value = values[0] if values else ""
    if not value:
        return []
    if kind == "scale":
        if value not in {str(v) for v in SCALE_VALUES}:
            raise ValueError(_l("Choose a value from 1 to 5."))
        return [AnswerValue(question.id, number=Decimal(value))]
    if kind == "yesno":
        if value not in ("yes", "no"):
            raise ValueError(_l("Answer yes or no."))
        return [AnswerValue(question.id, number=Decimal(1 if value == "yes" else 0))]
    if kind == "number":
        try:
            number = Decimal(value.replace(" ", "").replace("\u202f", "").replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(_l("Enter a number, like 12 or %(example)s.",
                                example=format_decimal(3.5)))
        if abs(number) >= NUMBER_LIMIT:
            raise ValueError(_l("This number is too large: enter a smaller one."))
        return [AnswerValue(question.id, number=number.quantize(Decimal("0.0001")))]
    limit = SHORT_TEXT_MAX if kind == "short_text" else LONG_TEXT_MAX
    if len(value) > limit:
        raise ValueError(_too_long(value, limit))
    return [AnswerValue(question.id, text=value)]


def validate_answers(survey: Survey, raw: dict[int, RawAnswer]) -> list[AnswerValue]:
    """Every answer checked against its question; raises AnswersInvalid with all messages.

    Keys of `raw` that are not questions of this survey are ignored.
    """
    errors: dict[int, object] = {}
    accepted: list[AnswerValue] = []
    for question in ordered_questions(survey):
        try:
            answers = _validate_one(question, raw.get(question.id, RawAnswer()))
        except ValueError as error:
            errors[question.id] = error.args[0]
            continue
        if question.required and not answers:
            errors[question.id] = REQUIRED
        accepted.extend(answers)
    if errors:
        raise AnswersInvalid(errors)
    return accepted


def hash_browser_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def named_response(session: Session, survey: Survey, member: Member) -> SurveyResponse | None:
    """The member's own response to a survey that is not anonymous, with its answers."""
    if survey.anonymous:
        return None
    return session.execute(
        select(SurveyResponse).options(selectinload(SurveyResponse.answers))
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.member_id == member.id)
    ).scalar_one_or_none()


def has_answered(session: Session, survey: Survey, member: Member | None = None,
                 browser_token: str | None = None) -> bool:
    if member is not None and survey.audience == "members":
        condition = SurveyParticipation.member_id == member.id
    elif browser_token:
        condition = SurveyParticipation.browser_token_hash == hash_browser_token(browser_token)
    else:
        return False
    return session.execute(select(exists().where(
        SurveyParticipation.survey_id == survey.id, condition))).scalar()


def submit_response(session: Session, survey: Survey, raw: dict[int, RawAnswer], *,
                    today: date, member: Member | None = None,
                    browser_token: str | None = None) -> SurveyResponse:
    """Record one response (or replace the member's own, on a named survey).

    Raises SurveyNotOpen, AnswersInvalid or AlreadyAnswered, having written nothing.
    """
    check_open(survey, today)
    values = validate_answers(survey, raw)
    lock_survey(session, survey)
    if survey.audience == "members":
        if member is None:
            raise DomainError(_l("Sign in to answer this survey: it is for members only."))
        existing = named_response(session, survey, member)
        if existing is not None:
            session.execute(delete(SurveyAnswer)
                            .where(SurveyAnswer.response_id == existing.id))
            session.expire(existing, ["answers"])
            existing.submitted_on = today
            existing.plan_id = member.plan_id
            _add_answers(session, existing, values)
            session.flush()
            return existing
        if has_answered(session, survey, member=member):
            raise AlreadyAnswered(_l("You have already answered this survey. Its answers are "
                                     "anonymous, so they cannot be changed."))
        participant = {"member_id": member.id, "browser_token_hash": None}
    else:
        if not browser_token:
            raise DomainError(_l("Your browser did not keep our cookie: allow cookies for "
                                 "this site and send the form again."))
        if has_answered(session, survey, browser_token=browser_token):
            raise AlreadyAnswered(_l("This browser has already answered this survey: one "
                                     "response each."))
        participant = {"member_id": None,
                       "browser_token_hash": hash_browser_token(browser_token)}
    response = SurveyResponse(
        id=random_id(), survey_id=survey.id, anonymous=survey.anonymous, submitted_on=today,
        member_id=None if survey.anonymous else member.id,
        plan_id=member.plan_id if member is not None and not survey.anonymous else None)
    session.add(response)
    _add_answers(session, response, values)
    try:
        session.flush()
        record_participation(session, survey, **participant)
    except IntegrityError as error:  # a second response sent at the same instant
        raise AlreadyAnswered(_l("You have already answered this survey: one response "
                                 "each.")) from error
    return response


def lock_survey(session: Session, survey: Survey) -> None:
    """Serialize the answers to one survey, so "has answered" and the reshuffle of the
    participations see every earlier answer."""
    lock_row(session, Survey.id, survey.id)


def record_participation(session: Session, survey: Survey, *, member_id: int | None,
                         browser_token_hash: str | None) -> None:
    """Add "has answered" for one person, and rewrite all of the survey's participation rows
    with new random ids in a random order, in the same transaction as the answers.

    So the newest participation is not the last row stored (rowid, ctid), not the one with
    the newest transaction id (xmin: every row of the survey carries the same), and no id
    tells the order people answered in. Costs one delete and one insert of n rows per answer.
    """
    rows = [{"member_id": m, "browser_token_hash": b} for m, b in session.execute(
        select(SurveyParticipation.member_id, SurveyParticipation.browser_token_hash)
        .where(SurveyParticipation.survey_id == survey.id))]
    rows.append({"member_id": member_id, "browser_token_hash": browser_token_hash})
    random.SystemRandom().shuffle(rows)
    session.execute(delete(SurveyParticipation)
                    .where(SurveyParticipation.survey_id == survey.id))
    session.execute(insert(SurveyParticipation), [
        {"id": random_id(), "survey_id": survey.id, **row} for row in rows])


def _add_answers(session: Session, response: SurveyResponse, values: list[AnswerValue]) -> None:
    session.add_all(SurveyAnswer(response_id=response.id, question_id=v.question_id,
                                 option_id=v.option_id, text_value=v.text,
                                 number_value=v.number) for v in values)


def raw_from_response(response: SurveyResponse | None) -> dict[int, RawAnswer]:
    """A response as the form would send it, to show a member what they answered."""
    raw: dict[int, RawAnswer] = defaultdict(RawAnswer)
    for answer in response.answers if response else []:
        entry = raw[answer.question_id]
        if answer.option_id is not None:
            entry.values.append(str(answer.option_id))
        elif answer.number_value is not None:
            entry.values.append(number_text(answer.number_value))
        elif answer.text_value is not None:
            entry.values.append(answer.text_value)
            entry.other = answer.text_value
    return raw


