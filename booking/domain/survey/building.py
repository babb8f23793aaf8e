"""Building a survey: settings, sections, questions and options, with the guards that keep
the responses already given meaningful (no type change, no removal of a chosen option)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ...models import Member
from ...models.surveys import (
    CHOICE_KINDS,
    QUESTION_KINDS,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveySection,
)
from ..errors import DomainError
from .common import DEFAULT_LANGUAGE, clean_texts, ordered_questions, response_count, translated


class SurveyLocked(DomainError):
    """A change that would break the responses already given."""


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

