"""Results of a survey, aggregated in SQL: counts and shares per option, distributions, means
and medians, a cross-tabulation by one choice question, filters, and pages of free texts."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from ...models import Plan
from ...models.surveys import (
    CHOICE_KINDS,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
)
from .common import SCALE_VALUES, ordered_questions


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


def choice_questions(survey: Survey) -> list[SurveyQuestion]:
    """The questions results can be filtered or broken down by."""
    return [q for q in ordered_questions(survey) if q.kind in CHOICE_KINDS]


def filter_plans(session: Session, survey: Survey) -> list[Plan]:
    """The plans to filter results by: only on a named members' survey, where a response
    keeps the plan of who gave it."""
    if survey.anonymous or survey.audience != "members":
        return []
    return list(session.execute(select(Plan).order_by(Plan.name)).scalars())
