"""The needs survey: surveys, their sections and questions, and the responses.

Anonymity is kept by the shape of the tables: "has answered" lives in `survey_participations`,
apart from the answers; responses carry no member id when anonymous (a check constraint says
so), no time finer than the day, and random ids; participations carry no time and random ids,
and are reshuffled at each answer (docs/survey.md says what remains).
"""
from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member, Plan
from .types import UTCDateTime, utcnow

QUESTION_KINDS = ("single", "multiple", "scale", "yesno", "short_text", "long_text", "number")
CHOICE_KINDS = ("single", "multiple")
TEXT_KINDS = ("short_text", "long_text")
AUDIENCES = ("members", "public")
SURVEY_STATUSES = ("draft", "published")


def new_token() -> str:
    return secrets.token_urlsafe(12)


def random_id() -> str:
    return str(uuid.uuid4())


class Survey(db.Model):
    """A survey: texts in French, Dutch and English ({"fr": ..., "nl": ..., "en": ...})."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("audience IN ('members', 'public')", name="audience_known"),
        CheckConstraint("status IN ('draft', 'published')", name="status_known"),
        CheckConstraint("opens_on IS NULL OR closes_on IS NULL OR closes_on >= opens_on",
                        name="closes_after_opening"),
        CheckConstraint("audience = 'members' OR anonymous", name="public_is_anonymous"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The link to answer: hard to guess, so a public survey is only reached by its link.
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    # Set on surveys built from a template, e.g. "needs-2016", so demo data is loaded once.
    template_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    intro: Mapped[dict] = mapped_column(JSON, default=dict)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)  # last day answers are taken
    audience: Mapped[str] = mapped_column(String(16), default="members")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    results_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sections: Mapped[list[SurveySection]] = relationship(
        back_populates="survey", order_by="SurveySection.position", cascade="all, delete-orphan")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position",
        cascade="all, delete-orphan", overlaps="section,questions")


class SurveySection(db.Model):
    __tablename__ = "survey_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    intro: Mapped[dict] = mapped_column(JSON, default=dict)

    survey: Mapped[Survey] = relationship(back_populates="sections")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="section", order_by="SurveyQuestion.position",
        overlaps="questions,survey")


class SurveyQuestion(db.Model):
    __tablename__ = "survey_questions"
    __table_args__ = (
        CheckConstraint("kind IN ('single', 'multiple', 'scale', 'yesno', 'short_text', "
                        "'long_text', 'number')", name="kind_known"),
        CheckConstraint("allow_other = false OR kind IN ('single', 'multiple')",
                        name="other_only_on_choices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("survey_sections.id", ondelete="CASCADE"), index=True)
    # Order within its section; the survey's order is sections first, then this.
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[dict] = mapped_column(JSON, default=dict)
    help: Mapped[dict] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_other: Mapped[bool] = mapped_column(Boolean, default=False)
    scale_min_label: Mapped[dict] = mapped_column(JSON, default=dict)
    scale_max_label: Mapped[dict] = mapped_column(JSON, default=dict)

    survey: Mapped[Survey] = relationship(back_populates="questions",
                                          overlaps="questions,section")
    section: Mapped[SurveySection] = relationship(back_populates="questions",
                                                  overlaps="questions,survey")
    options: Mapped[list[SurveyOption]] = relationship(
        back_populates="question", order_by="SurveyOption.position",
        cascade="all, delete-orphan")


class SurveyOption(db.Model):
    __tablename__ = "survey_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[dict] = mapped_column(JSON, default=dict)

    question: Mapped[SurveyQuestion] = relationship(back_populates="options")


class SurveyParticipation(db.Model):
    """"Has answered": who (a member, or a hashed browser token) answered which survey.

    Nothing here points at a response; responses point at nothing here. No time is kept, and
    the rows of a survey are rewritten in a random order at each new answer, so neither ids,
    storage order nor transaction ids tell which participation came with which response.
    """

    __tablename__ = "survey_participations"
    __table_args__ = (
        UniqueConstraint("survey_id", "member_id", name="uq_survey_participations_member"),
        UniqueConstraint("survey_id", "browser_token_hash",
                         name="uq_survey_participations_browser"),
        CheckConstraint("(member_id IS NULL) <> (browser_token_hash IS NULL)",
                        name="member_or_browser"),
        CheckConstraint("length(id) = 36", name="random_uuid_id"),
    )

    # A random id and no time at all: neither the ids nor the storage order of these rows
    # follow the order people answered in (see `answering.record_participation`).
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    browser_token_hash: Mapped[str | None] = mapped_column(String(64))


class SurveyResponse(db.Model):
    """One person's answers. Random id, the day only, and no member when anonymous."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint("NOT anonymous OR member_id IS NULL", name="anonymous_has_no_member"),
        CheckConstraint("anonymous OR member_id IS NOT NULL", name="named_has_member"),
        CheckConstraint("NOT anonymous OR plan_id IS NULL", name="anonymous_has_no_plan"),
        CheckConstraint("length(id) = 36", name="random_uuid_id"),
        UniqueConstraint("survey_id", "member_id", name="uq_survey_responses_member"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    # The respondent's plan when they answered, for the results filter; never on anonymous
    # responses, where a rare plan would point at a person.
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    submitted_on: Mapped[date] = mapped_column(Date)  # a day, never a time

    member: Mapped[Member | None] = relationship()
    plan: Mapped[Plan | None] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan")


class SurveyAnswer(db.Model):
    """One value: an option chosen, an "other" text, a text, or a number (scale, yes=1/no=0)."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        CheckConstraint("option_id IS NOT NULL OR text_value IS NOT NULL "
                        "OR number_value IS NOT NULL", name="has_a_value"),
        CheckConstraint("length(id) = 36", name="random_uuid_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=random_id)
    response_id: Mapped[str] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_options.id", ondelete="RESTRICT"), index=True)
    text_value: Mapped[str | None] = mapped_column(Text)
    number_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
