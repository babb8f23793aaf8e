"""The needs survey: building it, answering it (validation), and its results (aggregated in SQL).

Plain functions over the session; the views pass the member, the day and the raw answers in.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..models import Member
from ..models.surveys import (
    CHOICE_KINDS,
    QUESTION_KINDS,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    random_id,
)
from .errors import DomainError

LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
SCALE_VALUES = (1, 2, 3, 4, 5)
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
OTHER_TEXT_MAX = 200
NUMBER_LIMIT = Decimal("1e10")
OTHER = "other"


# --- Texts in three languages ------------------------------------------------------------

def translated(texts: dict | None, locale: str) -> str:
    """The text in the reader's language, else French, else any language given."""
    texts = texts or {}
    for code in (locale, DEFAULT_LANGUAGE, *LANGUAGES):
        if texts.get(code):
            return texts[code]
    return ""


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


class SurveyNotOpen(DomainError):
    pass


class AlreadyAnswered(DomainError):
    pass


class AnswersInvalid(DomainError):
    """Some answers are not acceptable; `errors` maps question ids to messages."""

    def __init__(self, errors: dict[int, object]):
        super().__init__(_l("Some answers need your attention: see the messages below."))
        self.errors = errors


class SurveyLocked(DomainError):
    """A change that would break the responses already given."""


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


# --- Building ----------------------------------------------------------------------------

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


def _check_dates(values: dict) -> None:
    if values.get("opens_on") and values.get("closes_on") and \
            values["closes_on"] < values["opens_on"]:
        raise DomainError(_l("The closing date is before the opening date: choose a later "
                             "closing date."))


def create_survey(session: Session, author: Member | None, values: dict) -> Survey:
    """A draft survey with one empty section, ready for questions."""
    _check_dates(values)
    survey = Survey(created_by_id=author.id if author else None, status="draft")
    _apply_settings(survey, values)
    survey.sections.append(SurveySection(position=0, title={}))
    session.add(survey)
    session.flush()
    return survey


def _apply_settings(survey: Survey, values: dict) -> None:
    survey.title = clean_texts(values["title"])
    survey.intro = clean_texts(values.get("intro"))
    survey.opens_on = values.get("opens_on")
    survey.closes_on = values.get("closes_on")
    survey.audience = values.get("audience", "members")
    survey.anonymous = True if survey.audience == "public" else bool(values.get("anonymous"))
    survey.results_published = bool(values.get("results_published"))
    if not survey.title.get(DEFAULT_LANGUAGE):
        raise DomainError(_l("Give the survey a title in French at least: it is shown to "
                             "readers of any language who have no translation."))


def update_survey(session: Session, survey: Survey, values: dict) -> Survey:
    _check_dates(values)
    audience = values.get("audience", "members")
    anonymous = True if audience == "public" else bool(values.get("anonymous"))
    if (audience != survey.audience or anonymous != survey.anonymous) and \
            response_count(session, survey):
        raise SurveyLocked(_l("This survey already has responses: its audience and anonymity "
                              "can no longer change, as people answered under those terms."))
    _apply_settings(survey, values)
    return survey


def publish_survey(survey: Survey) -> None:
    if not any(section.questions for section in survey.sections):
        raise DomainError(_l("Add at least one question before publishing the survey."))
    for question in ordered_questions(survey):
        if question.kind in CHOICE_KINDS and not question.options:
            raise DomainError(_l("The question “%(question)s” has no options yet: add some "
                                 "before publishing.",
                                 question=translated(question.text, DEFAULT_LANGUAGE)))
    survey.status = "published"


def close_survey(survey: Survey, today: date) -> None:
    """Stop taking answers from tomorrow on (today's answers are still taken)."""
    survey.closes_on = today
    if survey.opens_on and survey.opens_on > today:
        survey.opens_on = today


def add_section(session: Session, survey: Survey, title: dict, intro: dict | None = None
                ) -> SurveySection:
    section = SurveySection(survey_id=survey.id, title=clean_texts(title),
                            intro=clean_texts(intro),
                            position=max((s.position for s in survey.sections), default=-1) + 1)
    survey.sections.append(section)
    session.flush()
    return section


def update_section(section: SurveySection, title: dict, intro: dict | None = None) -> None:
    section.title = clean_texts(title)
    section.intro = clean_texts(intro)


def _answered_question_ids(session: Session, question_ids: list[int]) -> set[int]:
    if not question_ids:
        return set()
    return set(session.execute(select(SurveyAnswer.question_id).distinct()
                               .where(SurveyAnswer.question_id.in_(question_ids))).scalars())


def delete_section(session: Session, survey: Survey, section: SurveySection) -> None:
    if len(survey.sections) == 1:
        raise DomainError(_l("A survey keeps at least one section: rename this one instead."))
    if _answered_question_ids(session, [q.id for q in section.questions]):
        raise SurveyLocked(_l("Questions of this section already have answers: deleting it "
                              "would lose them. Move the questions you keep to another "
                              "section first, or leave it."))
    survey.sections.remove(section)
    session.delete(section)
    _renumber(survey.sections)


def _renumber(items) -> None:
    for position, item in enumerate(items):
        item.position = position


def move_item(items: list, item, direction: str) -> None:
    """Move a section, question or option one place up or down in its list."""
    ordered = sorted(items, key=lambda i: i.position)
    index = ordered.index(item)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)


@dataclass
class OptionEdit:
    """One row of the option editor: an existing option (id) or a new one (id None)."""

    id: int | None
    label: dict
    remove: bool = False


def _check_question_values(values: dict, options: list[OptionEdit]) -> None:
    if values["kind"] not in QUESTION_KINDS:
        raise DomainError(_l("Choose a question type from the list."))
    if not clean_texts(values["text"]).get(DEFAULT_LANGUAGE):
        raise DomainError(_l("Write the question in French at least: it is shown to readers "
                             "of any language who have no translation."))
    kept = [o for o in options if not o.remove and clean_texts(o.label)]
    if values["kind"] in CHOICE_KINDS:
        if not kept:
            raise DomainError(_l("A choice question needs at least one option: write them "
                                 "below."))
        if any(not clean_texts(o.label).get(DEFAULT_LANGUAGE) for o in kept):
            raise DomainError(_l("Each option needs a French label, shown when no translation "
                                 "exists."))


def add_question(session: Session, section: SurveySection, values: dict,
                 options: list[OptionEdit] | None = None) -> SurveyQuestion:
    options = options or []
    _check_question_values(values, options)
    question = SurveyQuestion(
        survey_id=section.survey_id, section_id=section.id,
        position=max((q.position for q in section.questions), default=-1) + 1)
    _apply_question(question, values)
    if question.kind in CHOICE_KINDS:
        for position, option in enumerate(o for o in options
                                          if not o.remove and clean_texts(o.label)):
            question.options.append(SurveyOption(position=position,
                                                 label=clean_texts(option.label)))
    section.questions.append(question)
    session.flush()
    return question


def _apply_question(question: SurveyQuestion, values: dict) -> None:
    question.kind = values["kind"]
    question.text = clean_texts(values["text"])
    question.help = clean_texts(values.get("help"))
    question.required = bool(values.get("required"))
    question.allow_other = bool(values.get("allow_other")) and question.kind in CHOICE_KINDS
    question.scale_min_label = clean_texts(values.get("scale_min_label"))
    question.scale_max_label = clean_texts(values.get("scale_max_label"))


def update_question(session: Session, question: SurveyQuestion, values: dict,
                    options: list[OptionEdit], section: SurveySection | None = None) -> None:
    """Change a question; refuse what would break answers already given, and say why."""
    _check_question_values(values, options)
    answered = bool(_answered_question_ids(session, [question.id]))
    if answered and values["kind"] != question.kind:
        raise SurveyLocked(_l("This question already has answers: its type can no longer "
                              "change. Add a new question instead."))
    if answered and question.allow_other and not values.get("allow_other"):
        other_given = session.execute(select(exists().where(
            SurveyAnswer.question_id == question.id, SurveyAnswer.option_id.is_(None),
            SurveyAnswer.text_value.is_not(None)))).scalar()
        if other_given:
            raise SurveyLocked(_l("Some people answered “Other” to this question: the “Other” "
                                  "field has to stay."))
    by_id = {o.id: o for o in question.options}
    removed = [by_id[o.id] for o in options if o.id in by_id and o.remove]
    if removed:
        chosen = dict(session.execute(
            select(SurveyAnswer.option_id, func.count())
            .where(SurveyAnswer.option_id.in_([o.id for o in removed]))
            .group_by(SurveyAnswer.option_id)).all())
        for option in removed:
            if chosen.get(option.id):
                raise SurveyLocked(_l(
                    "“%(option)s” was chosen in %(n)d responses: it cannot be removed. You "
                    "can rename it instead.", option=translated(option.label, DEFAULT_LANGUAGE),
                    n=chosen[option.id]))
    _apply_question(question, values)
    for edit in options:
        if edit.id in by_id:
            if edit.remove:
                question.options.remove(by_id[edit.id])
            elif clean_texts(edit.label):
                by_id[edit.id].label = clean_texts(edit.label)
        elif edit.id is None and not edit.remove and clean_texts(edit.label):
            question.options.append(SurveyOption(
                position=max((o.position for o in question.options), default=-1) + 1,
                label=clean_texts(edit.label)))
    if question.kind not in CHOICE_KINDS:
        question.options.clear()
    _renumber(sorted(question.options, key=lambda o: o.position))
    if section is not None and section.id != question.section_id:
        old = question.section
        old.questions.remove(question)
        question.position = max((q.position for q in section.questions), default=-1) + 1
        section.questions.append(question)
        _renumber(old.questions)
    session.flush()


def delete_question(session: Session, question: SurveyQuestion) -> None:
    if _answered_question_ids(session, [question.id]):
        raise SurveyLocked(_l("This question already has answers: deleting it would lose "
                              "them. You can make it optional instead."))
    section = question.section
    section.questions.remove(question)
    session.delete(question)
    _renumber(section.questions)


# --- Answering ---------------------------------------------------------------------------

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
            raise ValueError(_l("Enter a number, like 12 or 3,5."))
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
            return existing
        if has_answered(session, survey, member=member):
            raise AlreadyAnswered(_l("You have already answered this survey. Its answers are "
                                     "anonymous, so they cannot be changed."))
        participation = SurveyParticipation(survey_id=survey.id, member_id=member.id)
    else:
        if not browser_token:
            raise DomainError(_l("Your browser did not keep our cookie: allow cookies for "
                                 "this site and send the form again."))
        if has_answered(session, survey, browser_token=browser_token):
            raise AlreadyAnswered(_l("This browser has already answered this survey: one "
                                     "response each."))
        participation = SurveyParticipation(survey_id=survey.id,
                                            browser_token_hash=hash_browser_token(browser_token))
    response = SurveyResponse(
        id=random_id(), survey_id=survey.id, anonymous=survey.anonymous, submitted_on=today,
        member_id=None if survey.anonymous else member.id,
        plan_id=member.plan_id if member is not None and not survey.anonymous else None)
    session.add(participation)
    session.add(response)
    _add_answers(session, response, values)
    return response


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
            entry.values.append(_number_as_form_value(answer))
        elif answer.text_value is not None:
            entry.values.append(answer.text_value)
            entry.other = answer.text_value
    return raw


def _number_as_form_value(answer: SurveyAnswer) -> str:
    number = Decimal(answer.number_value).normalize()
    return format(number, "f")


# --- Results -----------------------------------------------------------------------------

@dataclass
class ResultFilters:
    plan_id: int | None = None
    question_id: int | None = None  # only responses that chose option_id to question_id
    option_id: int | None = None
    cross_question_id: int | None = None  # break choice questions down by this one


@dataclass
class OptionCount:
    option: SurveyOption | None
    count: int
    share: float  # 0..1 of the respondents to the question
    breakdown: dict[int, int] = field(default_factory=dict)  # cross option id -> count


@dataclass
class QuestionResult:
    question: SurveyQuestion
    number: int
    respondents: int = 0
    options: list[OptionCount] = field(default_factory=list)
    other: OptionCount | None = None
    distribution: list[tuple[Decimal, int, float]] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None
    texts: list[str] = field(default_factory=list)  # first free-text (or "other") answers
    text_count: int = 0


@dataclass
class SurveyResults:
    total: int
    questions: list[QuestionResult]
    cross_question: SurveyQuestion | None = None


TEXT_SAMPLE = 5


def can_see_results(survey: Survey, member: Member | None) -> bool:
    """Co-managers always; others once the results are published (members-only surveys to
    signed-in people). One rule for the pages and the API."""
    if member is not None and member.is_comanager:
        return True
    if not survey.results_published or survey.status == "draft":
        return False
    return survey.audience == "public" or member is not None


def filtered_responses(survey: Survey, filters: ResultFilters):
    """A subquery of the ids of the responses the filters keep."""
    query = select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id)
    if filters.plan_id and not survey.anonymous:
        query = query.where(SurveyResponse.plan_id == filters.plan_id)
    if filters.question_id and filters.option_id:
        chose = aliased(SurveyAnswer)  # not correlated: SQLite would rescan it per row
        query = query.where(SurveyResponse.id.in_(
            select(chose.response_id).where(chose.question_id == filters.question_id,
                                            chose.option_id == filters.option_id)))
    return query


def _median(distribution: list[tuple[Decimal, int]]) -> float | None:
    """Median from (value, count) pairs sorted by value: no list of every answer needed."""
    total = sum(count for _, count in distribution)
    if not total:
        return None
    wanted = sorted({(total - 1) // 2, total // 2})
    found, seen = [], 0
    for value, count in distribution:
        while wanted and wanted[0] < seen + count:
            found.append(float(value))
            wanted.pop(0)
        seen += count
    return sum(found) / len(found)


def survey_results(session: Session, survey: Survey, filters: ResultFilters | None = None
                   ) -> SurveyResults:
    """Counts, shares, distributions and samples for every question, in a fixed number of
    grouped queries whatever the number of responses."""
    filters = filters or ResultFilters()
    kept = filtered_responses(survey, filters)
    in_kept = SurveyAnswer.response_id.in_(kept)
    questions = ordered_questions(survey)
    ids = [q.id for q in questions]
    total = session.execute(select(func.count()).select_from(kept.subquery())).scalar_one()
    respondents = dict(session.execute(
        select(SurveyAnswer.question_id, func.count(SurveyAnswer.response_id.distinct()))
        .where(in_kept, SurveyAnswer.question_id.in_(ids))
        .group_by(SurveyAnswer.question_id)).all())
    option_counts = {(q, o): n for q, o, n in session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.option_id, func.count())
        .where(in_kept, SurveyAnswer.option_id.is_not(None), SurveyAnswer.question_id.in_(ids))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.option_id))}
    numbers: dict[int, list[tuple[Decimal, int]]] = defaultdict(list)
    for q, value, n in session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.number_value, func.count())
            .where(in_kept, SurveyAnswer.number_value.is_not(None),
                   SurveyAnswer.question_id.in_(ids))
            .group_by(SurveyAnswer.question_id, SurveyAnswer.number_value)
            .order_by(SurveyAnswer.question_id, SurveyAnswer.number_value)):
        numbers[q].append((Decimal(value), n))
    text_counts = dict(session.execute(
        select(SurveyAnswer.question_id, func.count())
        .where(in_kept, SurveyAnswer.text_value.is_not(None), SurveyAnswer.question_id.in_(ids))
        .group_by(SurveyAnswer.question_id)).all())
    ranked = (select(SurveyAnswer.question_id, SurveyAnswer.text_value,
                     func.row_number().over(partition_by=SurveyAnswer.question_id,
                                            order_by=SurveyAnswer.id).label("rank"))
              .where(in_kept, SurveyAnswer.text_value.is_not(None),
                     SurveyAnswer.question_id.in_(ids)).subquery())
    samples: dict[int, list[str]] = defaultdict(list)
    for q, text in session.execute(select(ranked.c.question_id, ranked.c.text_value)
                                   .where(ranked.c.rank <= TEXT_SAMPLE)
                                   .order_by(ranked.c.question_id, ranked.c.rank)):
        samples[q].append(text)
    cross = next((q for q in questions if q.id == filters.cross_question_id
                  and q.kind in CHOICE_KINDS), None)
    breakdown: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    if cross is not None:
        other_side = aliased(SurveyAnswer)
        for q, o, cross_option, n in session.execute(
                select(SurveyAnswer.question_id, SurveyAnswer.option_id, other_side.option_id,
                       func.count())
                .join(other_side, and_(other_side.response_id == SurveyAnswer.response_id,
                                       other_side.question_id == cross.id,
                                       other_side.option_id.is_not(None)))
                .where(in_kept, SurveyAnswer.option_id.is_not(None),
                       SurveyAnswer.question_id.in_(ids))
                .group_by(SurveyAnswer.question_id, SurveyAnswer.option_id,
                          other_side.option_id)):
            breakdown[(q, o)][cross_option] = n

    results = []
    for number, question in enumerate(questions, start=1):
        answered = respondents.get(question.id, 0)
        result = QuestionResult(question=question, number=number, respondents=answered,
                                texts=samples.get(question.id, []),
                                text_count=text_counts.get(question.id, 0))

        def share(count: int, answered=answered) -> float:
            return count / answered if answered else 0.0

        if question.kind in CHOICE_KINDS:
            for option in question.options:
                count = option_counts.get((question.id, option.id), 0)
                result.options.append(OptionCount(option, count, share(count),
                                                  breakdown.get((question.id, option.id), {})))
            if question.allow_other:
                result.other = OptionCount(None, result.text_count, share(result.text_count))
        elif question.kind in ("scale", "yesno", "number"):
            distribution = numbers.get(question.id, [])
            if question.kind == "scale":
                counts = dict(distribution)
                distribution = [(Decimal(v), counts.get(Decimal(v), 0)) for v in SCALE_VALUES]
            elif question.kind == "yesno":
                counts = dict(distribution)
                distribution = [(Decimal(1), counts.get(Decimal(1), 0)),
                                (Decimal(0), counts.get(Decimal(0), 0))]
            result.distribution = [(v, n, share(n)) for v, n in distribution]
            how_many = sum(n for _, n in distribution)
            if how_many and question.kind != "yesno":
                result.mean = float(sum(v * n for v, n in distribution) / how_many)
                result.median = _median(sorted(distribution))
        results.append(result)
    return SurveyResults(total=total, questions=results, cross_question=cross)


@dataclass
class TextPage:
    texts: list[str]
    total: int
    page: int
    pages: int


def free_text_answers(session: Session, survey: Survey, question: SurveyQuestion,
                      filters: ResultFilters | None = None, search: str = "", page: int = 1,
                      per_page: int = 50) -> TextPage:
    """The free-text (or "other") answers to one question, a page at a time, searchable."""
    conditions = [SurveyAnswer.response_id.in_(filtered_responses(survey, filters
                                                                  or ResultFilters())),
                  SurveyAnswer.question_id == question.id, SurveyAnswer.text_value.is_not(None)]
    if search.strip():
        escaped = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_")
        conditions.append(func.lower(SurveyAnswer.text_value).like(f"%{escaped}%",
                                                                   escape="\\"))
    total = session.execute(select(func.count()).where(*conditions)).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    texts = session.execute(select(SurveyAnswer.text_value).where(*conditions)
                            .order_by(SurveyAnswer.id)
                            .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return TextPage(list(texts), total, page, pages)


# --- Exports -----------------------------------------------------------------------------

@dataclass
class ExportColumn:
    key: str
    header: str
    question: SurveyQuestion | None = None
    option: SurveyOption | None = None
    is_other: bool = False


def export_columns(survey: Survey, locale: str) -> list[ExportColumn]:
    """One column per question; a multiple-choice question gets one column per option."""
    columns = []
    for number, question in enumerate(ordered_questions(survey), start=1):
        label = f"Q{number}. {translated(question.text, locale)}"
        if question.kind == "multiple":
            for option in question.options:
                columns.append(ExportColumn(f"q{number}_o{option.id}",
                                            f"{label} [{translated(option.label, locale)}]",
                                            question, option))
        else:
            columns.append(ExportColumn(f"q{number}", label, question))
        if question.allow_other:
            columns.append(ExportColumn(f"q{number}_other", f"{label} [{_l('Other')}]",
                                        question, is_other=True))
    return columns


def export_responses(session: Session, survey: Survey):
    """(response, answers) for every response, in two queries; ordered by day, then by the
    random id, so the order tells nothing of who answered first within a day."""
    query = select(SurveyResponse).where(SurveyResponse.survey_id == survey.id) \
        .order_by(SurveyResponse.submitted_on, SurveyResponse.id) \
        .options(selectinload(SurveyResponse.answers))
    if not survey.anonymous:
        query = query.options(selectinload(SurveyResponse.member),
                              selectinload(SurveyResponse.plan))
    return session.execute(query).scalars().all()


def answers_by_question(response: SurveyResponse) -> dict[int, list[SurveyAnswer]]:
    grouped: dict[int, list[SurveyAnswer]] = defaultdict(list)
    for answer in response.answers:
        grouped[answer.question_id].append(answer)
    return grouped
