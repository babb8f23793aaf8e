"""Keeping the search index up to date, in SQL, from what the article rows hold (title, tags,
body, attachment names): called after every save, and over all articles by the bench and
whoever loads articles in bulk.

PostgreSQL: `articles.search_vector`, weighted title (A) > tags (B) > body (C) > attachment
names (D), each stemmed with the article's language configuration (mutualise_fr/nl/en: the
french, dutch and english stemmers with accents removed), under one GIN index.
SQLite: the FTS5 table `articles_fts` (unicode61 tokenizer, diacritics removed), one row per
article with the article's id as rowid.
The migration that made both (8c4e2f1a9b3d) backfills them with the same statements.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

_TAGS = ("(SELECT string_agg(tags.name, ' ') FROM article_tags JOIN tags ON tags.id = "
         "article_tags.tag_id WHERE article_tags.article_id = articles.id)")
_FILES_PG = ("(SELECT string_agg(regexp_replace(name, '[._-]+', ' ', 'g'), ' ') FROM "
             "article_attachments WHERE article_attachments.article_id = articles.id)")
_CONFIG = "('mutualise_' || articles.lang)::regconfig"
POSTGRES_VECTOR = (
    f"setweight(to_tsvector({_CONFIG}, articles.title), 'A') || "
    f"setweight(to_tsvector({_CONFIG}, coalesce({_TAGS}, '')), 'B') || "
    f"setweight(to_tsvector({_CONFIG}, articles.body_markdown), 'C') || "
    f"setweight(to_tsvector({_CONFIG}, coalesce({_FILES_PG}, '')), 'D')")

_SQLITE_TAGS = ("(SELECT group_concat(tags.name, ' ') FROM article_tags JOIN tags ON tags.id = "
                "article_tags.tag_id WHERE article_tags.article_id = articles.id)")
# The unicode61 tokenizer splits "contrat_atelier.odt" into its words by itself.
_SQLITE_FILES = ("(SELECT group_concat(name, ' ') FROM article_attachments "
                 "WHERE article_attachments.article_id = articles.id)")
SQLITE_ROWS = ("SELECT articles.id, articles.title, coalesce(" + _SQLITE_TAGS + ", ''), "
               "articles.body_markdown, coalesce(" + _SQLITE_FILES + ", '') FROM articles")


def _where(article_ids: Sequence[int] | None, column: str) -> str:
    return f" WHERE {column} IN :ids" if article_ids is not None else ""


def _params(statement: str, article_ids: Sequence[int] | None):
    query = text(statement)
    if article_ids is None:
        return query, {}
    return query.bindparams(bindparam("ids", expanding=True)), {"ids": list(article_ids)}


def index_articles(session: Session, article_ids: Sequence[int] | None = None) -> None:
    """Rewrite the index entries of these articles (all of them when None), after a flush:
    one UPDATE on PostgreSQL, a DELETE and an INSERT on SQLite."""
    if article_ids is not None and not article_ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(*_params("UPDATE articles SET search_vector = " + POSTGRES_VECTOR
                                 + _where(article_ids, "articles.id"), article_ids))
        return
    session.execute(*_params("DELETE FROM articles_fts" + _where(article_ids, "rowid"),
                             article_ids))
    session.execute(*_params("INSERT INTO articles_fts (rowid, title, tags, body, files) "
                             + SQLITE_ROWS + _where(article_ids, "articles.id"), article_ids))
