"""Loading the starter articles (demo data and `flask toolbox-seed`): each once, by its key
and language, with translations linked."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ARTICLE_LANGUAGES, Article, Member
from .articles import ArticleDraft, create_article, link_translation

STARTER_FOLDER = Path(__file__).parent / "starter"


@dataclass
class StarterArticle:
    key: str
    lang: str
    kind: str
    title: str
    tags: list[str]
    body: str


def read_starter(path: Path, lang: str) -> StarterArticle:
    """A file: a header between two `---` lines (key: value), then the Markdown body."""
    text = path.read_text(encoding="utf-8")
    _before, header, body = text.split("---\n", 2)
    fields = {}
    for line in header.strip().splitlines():
        name, _sep, value = line.partition(":")
        fields[name.strip()] = value.strip().strip('"')
    return StarterArticle(key=fields["key"], lang=lang, kind=fields["kind"],
                          title=fields["title"],
                          tags=[t.strip() for t in fields.get("tags", "").split(",")],
                          body=body.strip() + "\n")


def starter_articles() -> list[StarterArticle]:
    return [read_starter(path, lang) for lang in ARTICLE_LANGUAGES
            for path in sorted((STARTER_FOLDER / lang).glob("*.md"))]


def load_starter_articles(session: Session, author: Member | None) -> int:
    """Add the starter articles not loaded yet; returns how many were added."""
    existing = {a.starter_key: a for a in session.execute(
        select(Article).where(Article.starter_key.is_not(None))).scalars()}
    added = 0
    for starter in starter_articles():
        key = f"{starter.key}:{starter.lang}"
        if key in existing:
            continue
        article = create_article(session, author, ArticleDraft(
            starter.title, starter.body, starter.tags), lang=starter.lang, kind=starter.kind,
            starter_key=key)
        sibling = next((a for k, a in existing.items() if k.split(":")[0] == starter.key),
                       None)
        if sibling is not None:
            link_translation(session, article, sibling)
        existing[key] = article
        added += 1
    return added
