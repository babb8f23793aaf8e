"""The toolbox: articles written by members, every save kept as a revision; tags, translation
links, attachments, each member's own checklist ticks, and questions with their answers.

Nothing is deleted: a removed article is hidden (co-managers can show it again) and a change
is a new revision, so any earlier text can be restored.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member
from .types import UTCDateTime, utcnow

ARTICLE_LANGUAGES = ("fr", "nl", "en")
# SQLite's full-text table and its shadow tables: made by the migration, not by the models.
SEARCH_TABLE = "articles_fts"
ARTICLE_KINDS = ("guide", "checklist", "template", "address")
REVISION_STATUSES = ("accepted", "pending", "rejected")

article_tags = Table(
    "article_tags", db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)  # lower case, trimmed


class Article(db.Model):
    """The current state of an article; its history is in `revisions`."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("lang IN ('fr', 'nl', 'en')", name="lang_known"),
        CheckConstraint("kind IN ('guide', 'checklist', 'template', 'address')",
                        name="kind_known"),
        # GIN on PostgreSQL; on SQLite a plain index over a column left empty (Alembic
        # compares indexes whatever their dialect, so both databases have it).
        Index("ix_articles_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="guide", index=True)
    comanagers_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Translations of one article share a group number (the first article's id).
    translation_group: Mapped[int | None] = mapped_column(Integer, index=True)
    # Set on starter articles so the seed loads each one once.
    starter_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    # The space whose "how to use this space" article this is, if any.
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    # PostgreSQL: title (weight A), tags (B), body (C) and attachment names (D) stemmed with
    # the article's language, written on every save (domain/knowledge/search_index.py). Unused
    # on SQLite, whose search reads the FTS5 table `articles_fts` (made by the migration).
    search_vector: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    author: Mapped[Member | None] = relationship(foreign_keys=[author_id])
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by="Tag.name")
    attachments: Mapped[list[ArticleAttachment]] = relationship(
        back_populates="article", order_by="ArticleAttachment.id")


class ArticleRevision(db.Model):
    """One save. Accepted revisions are numbered 1, 2, 3...; a proposed edit to a
    co-managers-only article waits as `pending` (no number) until a co-manager decides."""

    __tablename__ = "article_revisions"
    __table_args__ = (
        UniqueConstraint("article_id", "number", name="one_number_per_article"),
        CheckConstraint("status IN ('accepted', 'pending', 'rejected')", name="status_known"),
        CheckConstraint("status = 'accepted' OR number IS NULL", name="only_accepted_numbered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="accepted")
    base_number: Mapped[int | None] = mapped_column(Integer)  # what a proposal was written on
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()
    author: Mapped[Member | None] = relationship(foreign_keys=[author_id])


class ArticleAttachment(db.Model):
    """A template to download, stored outside the web root under a random name."""

    __tablename__ = "article_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    stored_file: Mapped[str] = mapped_column(String(80))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="attachments")


class ChecklistProgress(db.Model):
    """One member's ticks on a checklist article (box numbers from 0), apart from the text."""

    __tablename__ = "checklist_progress"
    __table_args__ = (UniqueConstraint("article_id", "member_id", name="one_per_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    ticked: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnowledgeQuestion(db.Model):
    """A question asked by a member, on an article or in general."""

    __tablename__ = "knowledge_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    answered: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The article this question and its accepted answer were added to, as a section.
    section_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    asker: Mapped[Member] = relationship(foreign_keys=[asker_id])
    article: Mapped[Article | None] = relationship(foreign_keys=[article_id])
    answers: Mapped[list[KnowledgeAnswer]] = relationship(
        back_populates="question", order_by="KnowledgeAnswer.id")


class KnowledgeAnswer(db.Model):
    __tablename__ = "knowledge_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("knowledge_questions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[KnowledgeQuestion] = relationship(back_populates="answers")
    author: Mapped[Member] = relationship()


def include_in_migrations(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's filter: SQLite's full-text tables are written by hand in a migration (they are
    virtual tables the models cannot describe), so `flask db check` leaves them alone."""
    return not (type_ == "table" and (name or "").startswith(SEARCH_TABLE))
