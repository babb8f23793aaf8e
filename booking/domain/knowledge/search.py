"""Finding articles by words, tag, kind and language, ranked, with highlighted extracts.

Both databases search an index written on every save (search_index.py), never the text itself:
PostgreSQL: `search_vector` under a GIN index, each article's words stemmed with its language's
configuration (accents removed: "répétitions" finds "répétition", "préparé" finds "préparer");
ranked by ts_rank (title > tags > body > attachment names); ts_headline cuts the extracts of
the rows shown only.
SQLite: the FTS5 table `articles_fts` (unicode61, diacritics removed); each word is searched as
a prefix without its plural s/x ("repetitions" finds "répétition", but "répéter" does not find
"répétition": no stemming); ranked by bm25 with the same column weights.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import Select, and_, case, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session, selectinload

from ...models import ARTICLE_LANGUAGES, Article, Tag
from ...models.knowledge import article_tags
from .articles import article_kind
from .text import crude_stem, opening, plain_text, query_terms

MAX_RESULTS = 50
# ts_headline marks the words with these private-use characters; the text is escaped before
# they become <mark> tags, so nothing from the article reaches the page as HTML.
_OPEN, _CLOSE = "\ue000", "\ue001"
HEADLINE_OPTIONS = (f'StartSel="{_OPEN}", StopSel="{_CLOSE}", MinWords=15, MaxWords=35, '
                    "ShortWord=2, MaxFragments=1")
_MARKED = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*){_CLOSE}")
WORDS = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]*>")
_FTS = table("articles_fts", column("rowid"))
# bm25 weights of the FTS5 columns: title, tags, body, attachment names.
SQLITE_WEIGHTS = (10.0, 4.0, 1.0, 0.5)
SNIPPET_TOKENS = 30  # words in an FTS5 extract (at most 64)


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
        query = query.where(Article.kind == article_kind(kind))
    if tag:
        query = query.where(Article.id.in_(
            select(article_tags.c.article_id).join(Tag, Tag.id == article_tags.c.tag_id)
            .where(Tag.name == tag.strip().lower())))
    return query


def _config(lang: str):
    return literal_column(f"'mutualise_{lang}'::regconfig")


def headline_markup(headline: str, body: str | None = None) -> Markup:
    """The database's passage as safe HTML: Markdown marks dropped, text escaped, the matched
    words in <mark>; with `body`, "…" where the passage cuts it (FTS5 adds its own)."""
    passage = plain_text(headline)
    html = _MARKED.sub(lambda m: f"<mark>{m.group(1)}</mark>", str(escape(passage)))
    html = html.replace(_OPEN, "").replace(_CLOSE, "")
    if body is None:
        return Markup(html)
    # Compared word by word: ts_headline leaves out what its parser took for HTML tags.
    shown = WORDS.findall(passage.replace(_OPEN, "").replace(_CLOSE, ""))
    whole = WORDS.findall(_TAG.sub(" ", body))
    prefix = "" if whole[:5] == shown[:5] else "… "
    suffix = "" if whole[-5:] == shown[-5:] else " …"
    return Markup(prefix + html + suffix)


def _search_postgres(session: Session, filtered: Select, words: str, langs: tuple[str, ...],
                     limit: int) -> list[SearchHit]:
    """Rank the matching rows in the index, then cut extracts for the `limit` best only."""
    queries = {lang: func.plainto_tsquery(_config(lang), words) for lang in langs}
    matches = or_(*(and_(Article.lang == lang, Article.search_vector.op("@@")(query))
                    for lang, query in queries.items()))
    rank = case(*((Article.lang == lang, func.ts_rank(Article.search_vector, query))
                  for lang, query in queries.items()), else_=0.0)
    best = (filtered.add_columns(rank.label("rank")).where(matches)
            .order_by(rank.desc(), Article.updated_at.desc(), Article.id.desc())
            .limit(limit).subquery())
    headline = case(*((Article.lang == lang, func.ts_headline(
        _config(lang), Article.body_markdown, query, HEADLINE_OPTIONS))
        for lang, query in queries.items()), else_="")
    rows = session.execute(
        select(Article, best.c.rank, headline).join(best, best.c.id == Article.id)
        .options(selectinload(Article.tags))
        .order_by(best.c.rank.desc(), Article.updated_at.desc(), Article.id.desc())).all()
    return [SearchHit(article, headline_markup(passage or "", article.body_markdown),
                      float(rank)) for article, rank, passage in rows]


def _search_sqlite(session: Session, filters: dict, terms: list[str],
                   limit: int) -> list[SearchHit]:
    # Every word, as a quoted prefix: FTS5 reads nothing in it as an operator.
    match = " ".join(f'"{crude_stem(term)}"*' for term in terms)
    rank = func.bm25(literal_column("articles_fts"), *SQLITE_WEIGHTS)  # lower is better
    passage = func.snippet(literal_column("articles_fts"), 2, _OPEN, _CLOSE, "…",
                           SNIPPET_TOKENS)
    query = (select(Article, rank.label("rank"), passage).options(selectinload(Article.tags))
             .join(_FTS, _FTS.c.rowid == Article.id)
             .where(literal_column("articles_fts").op("MATCH")(match)))
    rows = session.execute(_filtered(query, **filters).order_by(
        rank, Article.updated_at.desc(), Article.id.desc()).limit(limit)).all()
    return [SearchHit(article, headline_markup(text or ""), -float(rank))
            for article, rank, text in rows]


def search_articles(session: Session, text: str = "", tag: str | None = None,
                    lang: str | None = None, kind: str | None = None,
                    include_hidden: bool = False, limit: int = 20) -> list[SearchHit]:
    """Articles matching every word of `text` (all articles when empty), best first; newest
    first when there is no text. Tags are loaded with them (one more query)."""
    limit = max(1, min(limit, MAX_RESULTS))
    terms = query_terms(text or "")
    if not terms:
        query = _filtered(select(Article).options(selectinload(Article.tags)), tag, lang,
                          kind, include_hidden)
        articles = session.execute(query.order_by(Article.updated_at.desc(),
                                                  Article.id.desc()).limit(limit)).scalars()
        return [SearchHit(a, opening(a.body_markdown), 0.0) for a in articles]
    if session.get_bind().dialect.name == "postgresql":
        filtered = _filtered(select(Article.id), tag, lang, kind, include_hidden)
        return _search_postgres(session, filtered, " ".join(terms),
                                (lang,) if lang else ARTICLE_LANGUAGES, limit)
    return _search_sqlite(session, {"tag": tag, "lang": lang, "kind": kind,
                                    "include_hidden": include_hidden}, terms, limit)
