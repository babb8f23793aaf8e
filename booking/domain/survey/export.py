"""Exports of the responses: one column per question (per option for multiple choice), the
rows of the CSV and the JSON document. The CSV encoding itself (BOM, formula cells made plain
text) is `booking.exports.csv_response`'s job."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...models.surveys import (
    CHOICE_KINDS,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
)
from .common import number_text, ordered_questions, translated


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


def export_cells(survey: Survey, columns: list[ExportColumn], response: SurveyResponse,
                 locale: str) -> dict[str, object]:
    """The CSV cells of one response, by column key: option labels in the reader's language,
    1 or 0 per option of a multiple choice, numbers as plain digits."""
    grouped = answers_by_question(response)
    labels = {o.id: translated(o.label, locale)
              for q in ordered_questions(survey) for o in q.options}
    cells: dict[str, object] = {}
    for column in columns:
        answers = grouped.get(column.question.id, [])
        if column.is_other:
            cells[column.key] = next((a.text_value for a in answers if a.option_id is None
                                      and a.text_value is not None), "")
        elif column.option is not None:
            cells[column.key] = 1 if any(a.option_id == column.option.id for a in answers) else 0
        elif column.question.kind == "single":
            cells[column.key] = next((labels[a.option_id] for a in answers
                                      if a.option_id is not None), "")
        elif column.question.kind == "yesno":
            cells[column.key] = next((str(_l("Yes") if a.number_value else _l("No"))
                                      for a in answers), "")
        elif column.question.kind in ("scale", "number"):
            cells[column.key] = next((number_text(a.number_value) for a in answers), "")
        else:
            cells[column.key] = next((a.text_value for a in answers), "")
    return cells


def csv_table(session: Session, survey: Survey, locale: str
              ) -> tuple[list[str], Iterator[list[object]]]:
    """The header and the rows of the CSV export; who answered only on a named survey."""
    columns = export_columns(survey, locale)
    named = not survey.anonymous
    header = [str(_l("Response")), str(_l("Day"))]
    if named:
        header += [str(_l("Member")), str(_l("Email")), str(_l("Plan"))]
    header += [str(c.header) for c in columns]

    def rows() -> Iterator[list[object]]:
        for response in export_responses(session, survey):
            row: list[object] = [response.id, response.submitted_on.isoformat()]
            if named:
                row += [response.member.name, response.member.email,
                        response.plan.name if response.plan else ""]
            cells = export_cells(survey, columns, response, locale)
            row += [cells[c.key] for c in columns]
            yield row

    return header, rows()


def _json_answer(question: SurveyQuestion, given: list[SurveyAnswer]) -> object:
    if question.kind in CHOICE_KINDS:
        chosen = [{"option_id": a.option_id} if a.option_id is not None
                  else {"other": a.text_value} for a in given]
        return chosen if question.kind == "multiple" else chosen[0]
    if question.kind == "yesno":
        return bool(given[0].number_value)
    if question.kind in ("scale", "number"):
        number = Decimal(given[0].number_value)
        return int(number) if number == number.to_integral() else float(number)
    return given[0].text_value


def json_document(session: Session, survey: Survey) -> dict:
    """The JSON export: the survey, its questions with their texts in every language, and
    each response's answers keyed like the CSV columns (q1, q2...)."""
    questions = ordered_questions(survey)
    data = {
        "survey": {"id": survey.id, "title": survey.title, "audience": survey.audience,
                   "anonymous": survey.anonymous},
        "questions": [{"key": f"q{n}", "id": q.id, "kind": q.kind, "text": q.text,
                       "required": q.required, "allow_other": q.allow_other,
                       "options": [{"id": o.id, "label": o.label} for o in q.options]}
                      for n, q in enumerate(questions, start=1)],
        "responses": [],
    }
    for response in export_responses(session, survey):
        grouped = answers_by_question(response)
        entry = {"id": response.id, "day": response.submitted_on.isoformat()}
        if not survey.anonymous:
            entry["member"] = {"id": response.member_id, "name": response.member.name,
                               "email": response.member.email,
                               "plan": response.plan.name if response.plan else None}
        entry["answers"] = {f"q{n}": _json_answer(q, grouped[q.id])
                            for n, q in enumerate(questions, start=1) if grouped.get(q.id)}
        data["responses"].append(entry)
    return data
