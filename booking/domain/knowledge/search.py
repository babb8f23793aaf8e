"""Finding articles by words, tag, kind and language, ranked, with highlighted extracts.

PostgreSQL: full-text search with one configuration per article language (stemming, accents
folded: "répétitions" finds "répétition"), served by one GIN index per language.
SQLite: every word must appear in the folded `search_text` (lower case, no accents), plural
s/x removed ("repetitions" finds "répétition", but "répéter" does not find "répétition"); the
candidates are ranked in Python by where the words appear (title, tags, body).
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import Select, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session, selectinload

from ...models import ARTICLE_LANGUAGES, Article, Tag
from ...models.knowledge import article_tags
from .text import crude_stem, excerpt, fold, query_terms

MAX_RESULTS = 50
SQLITE_CANDIDATES = 400


@dataclass
class SearchHit:
    article: Article
    excerpt: Markup
    rank: float


def _filtered(query: Select, tag: str | None, lang: str | None, kind: str | None,
              include_hidden: bool) -> Select:
    if not include_hidden:
        query = query.where(Article.hidden.is_(False))
    if lang:
        query = query.where(Article.lang == lang)
    if kind:
        query = query.where(Article.kind == kind)
    if tag:
        query = query.where(Article.id.in_(
            select(article_tags.c.article_id).join(Tag, Tag.id == article_tags.c.tag_id)
            .where(Tag.name == tag.strip().lower())))
    return query


def _config(lang: str):
    return literal_column(f"'mutualise_{lang}'::regconfig")


def _postgres_matches(text: str, langs: tuple[str, ...]):
    """(where clause, rank expression) over each language's own configuration."""
    conditions, ranks = [], []
    for lang in langs:
        vector = func.to_tsvector(_config(lang), Article.search_text)
        tsquery = func.websearch_to_tsquery(_config(lang), text)
        conditions.append(and_(Article.lang == lang, vector.op("@@")(tsquery)))
        # Ranked on the matching rows only: words in the title weigh most.
        weighted = func.setweight(func.to_tsvector(_config(lang), Article.title),
                                  literal_column("'A'")).op("||")(vector)
        ranks.append((Article.lang == lang, func.ts_rank(weighted, tsquery)))
    return or_(*conditions), case(*ranks, else_=0.0)


def _sqlite_rank(article: Article, stems: list[str]) -> float:
    title, tags = fold(article.title), fold(" ".join(t.name for t in article.tags))
    body = article.search_text
    return sum(3 * (stem in title) + 2 * (stem in tags) + min(body.count(stem), 5) * 0.2
               for stem in stems)


def _like(stem: str):
    escaped = stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Article.search_text.like(f"%{escaped}%", escape="\\")


def search_articles(session: Session, text: str = "", tag: str | None = None,
                    lang: str | None = None, kind: str | None = None,
                    include_hidden: bool = False, limit: int = 20) -> list[SearchHit]:
    """Articles matching every word of `text` (all articles when empty), best first; newest
    first when there is no text. Tags are loaded with them (one more query)."""
    limit = max(1, min(limit, MAX_RESULTS))
    terms = query_terms(text or "")
    base = _filtered(select(Article).options(selectinload(Article.tags)), tag, lang, kind,
                     include_hidden)
    if not terms:
        articles = session.execute(base.order_by(Article.updated_at.desc(), Article.id.desc())
                                   .limit(limit)).scalars().all()
        return [SearchHit(a, excerpt(a.body_markdown, []), 0.0) for a in articles]
    if session.get_bind().dialect.name == "postgresql":
        langs = (lang,) if lang else ARTICLE_LANGUAGES
        where, rank = _postgres_matches(" ".join(terms), langs)
        rows = session.execute(base.add_columns(rank.label("rank")).where(where)
                               .order_by(rank.desc(), Article.updated_at.desc())
                               .limit(limit)).all()
        return [SearchHit(a, excerpt(a.body_markdown, terms), float(r)) for a, r in rows]
    stems = [crude_stem(term) for term in terms]
    candidates = session.execute(base.where(*(_like(stem) for stem in stems))
                                 .order_by(Article.updated_at.desc())
                                 .limit(SQLITE_CANDIDATES)).scalars().all()
    ranked = sorted(((a, _sqlite_rank(a, stems)) for a in candidates),
                    key=lambda pair: pair[1], reverse=True)[:limit]
    return [SearchHit(a, excerpt(a.body_markdown, terms), rank) for a, rank in ranked]
