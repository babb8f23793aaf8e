"""What the toolbox's front page shows: recent and popular articles, tags, related articles,
and the "how to use this space" article of a space. Each list is one or two queries."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...models import Article, Tag
from ...models.knowledge import article_tags


@dataclass(frozen=True)
class SpaceGuide:
    """What a booking page shows of a space's guide: a link."""

    id: int
    title: str
    lang: str


def _visible():
    return select(Article).options(selectinload(Article.tags)).where(Article.hidden.is_(False))


def recent_articles(session: Session, lang: str | None = None, limit: int = 10) -> list[Article]:
    query = _visible().order_by(Article.updated_at.desc(), Article.id.desc()).limit(limit)
    if lang:
        query = query.where(Article.lang == lang)
    return list(session.execute(query).scalars())


def popular_articles(session: Session, lang: str | None = None, limit: int = 5) -> list[Article]:
    query = _visible().order_by(Article.views.desc(), Article.id).limit(limit)
    if lang:
        query = query.where(Article.lang == lang)
    return list(session.execute(query).scalars())


def tag_counts(session: Session, limit: int = 40) -> list[tuple[str, int]]:
    """Tags of visible articles with how many articles carry each, most used first."""
    rows = session.execute(
        select(Tag.name, func.count(article_tags.c.article_id).label("n"))
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .join(Article, Article.id == article_tags.c.article_id)
        .where(Article.hidden.is_(False)).group_by(Tag.name)
        .order_by(func.count(article_tags.c.article_id).desc(), Tag.name).limit(limit))
    return [(name, count) for name, count in rows]


def related_articles(session: Session, article: Article, limit: int = 5) -> list[Article]:
    """Visible articles sharing the most tags with this one, in the same language first."""
    tag_ids = [t.id for t in article.tags]
    if not tag_ids:
        return []
    shared = func.count(article_tags.c.tag_id)
    query = (select(Article).join(article_tags, article_tags.c.article_id == Article.id)
             .where(article_tags.c.tag_id.in_(tag_ids), Article.id != article.id,
                    Article.hidden.is_(False))
             .group_by(Article.id)
             .order_by(shared.desc(), (Article.lang == article.lang).desc(), Article.id)
             .limit(limit))
    return list(session.execute(query).scalars())


def hidden_articles(session: Session) -> list[Article]:
    return list(session.execute(select(Article).where(Article.hidden.is_(True))
                                .order_by(Article.updated_at.desc()).limit(100)).scalars())


def article_page(session: Session, article_id: int) -> Article | None:
    """An article with what its page shows: tags, attachments, author."""
    return session.execute(select(Article).options(
        selectinload(Article.tags), selectinload(Article.attachments),
        joinedload(Article.author)).where(Article.id == article_id)).scalar_one_or_none()


def space_guides(session: Session, space_ids: Iterable[int],
                 lang: str | None = None) -> dict[int, SpaceGuide]:
    """Each space's "how to use this space" article, in the reader's language when there is
    one (else the first written), in one query whatever the number of spaces."""
    ids = sorted(set(space_ids))
    if not ids:
        return {}
    rows = session.execute(select(Article.id, Article.space_id, Article.title, Article.lang)
                           .where(Article.space_id.in_(ids), Article.hidden.is_(False))
                           .order_by(Article.space_id, (Article.lang == lang).desc(),
                                     Article.id)).all()
    guides: dict[int, SpaceGuide] = {}
    for row in rows:
        # Plain values, not loaded articles: a link needs the id and the title only.
        guides.setdefault(row.space_id, SpaceGuide(row.id, row.title, row.lang))
    return guides


def space_guide(session: Session, space_id: int, lang: str | None = None) -> SpaceGuide | None:
    """The "how to use this space" article of one space (see space_guides)."""
    return space_guides(session, [space_id], lang).get(space_id)
