"""Writing articles: every save is a numbered revision (who, when, what changed), a restore is
a new revision equal to an old one, and nothing is ever deleted, only hidden."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import clock
from ...models import (
    ARTICLE_KINDS,
    ARTICLE_LANGUAGES,
    Article,
    ArticleRevision,
    Member,
    Space,
    Tag,
)
from ..accounts import record_audit
from ..errors import DomainError
from ..markdown import render_markdown
from . import notices
from .permissions import can_edit_directly, can_manage, can_see
from .search_index import index_articles

MAX_TAGS = 12
# Other names of the kinds, as the issue and API clients write them; stored and answered
# under the kind's own name.
KIND_ALIASES = {"address_book": "address", "address-book": "address",
                "address book entry": "address"}


def article_kind(name: str) -> str:
    """The stored kind a name stands for ("address book entry" -> "address")."""
    return KIND_ALIASES.get(name, name)


class NotAllowedHere(DomainError):
    """The member's role does not allow this on this article."""


@dataclass
class ArticleDraft:
    """What a writer sends: the fields of a revision."""

    title: str
    body_markdown: str
    tags: list[str]
    summary: str = ""


def clean_tags(tags: list[str] | str) -> list[str]:
    """Tags in lower case, trimmed, without duplicates, at most twelve of 40 characters."""
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: list[str] = []
    for tag in tags:
        name = " ".join(tag.strip().lower().split())[:40]
        if name and name not in seen:
            seen.append(name)
    return seen[:MAX_TAGS]


def _tag_rows(session: Session, names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = {t.name: t for t in session.execute(select(Tag).where(Tag.name.in_(names)))
                .scalars()}
    for name in names:
        if name not in existing:
            existing[name] = Tag(name=name)
            session.add(existing[name])
    return [existing[name] for name in names]


def _check(draft: ArticleDraft) -> None:
    if not draft.title.strip():
        raise DomainError(_l("Give the article a title."))
    if len(draft.title) > 200:
        raise DomainError(_l("The title has at most 200 characters."))
    if len(draft.body_markdown) > 200_000:
        raise DomainError(_l("The text is too long: split it into several articles."))


def _apply(session: Session, article: Article, draft: ArticleDraft, author: Member | None,
           revision: ArticleRevision | None = None) -> ArticleRevision:
    """Make `draft` the article's current text, as its next numbered revision."""
    article.revision = (article.revision or 0) + 1 if article.id else 1
    article.title = draft.title.strip()
    article.body_markdown = draft.body_markdown
    article.tags = _tag_rows(session, clean_tags(draft.tags))
    article.updated_at = clock.now()
    if revision is None:
        revision = ArticleRevision(article=article, author_id=author.id if author else None)
        session.add(revision)
    revision.number = article.revision
    revision.status = "accepted"
    revision.title = article.title
    revision.body_markdown = article.body_markdown
    revision.tags = [t.name for t in article.tags]
    revision.summary = draft.summary.strip()[:200]
    session.flush()  # the article, its tags and revision rows, which the index reads
    index_articles(session, [article.id])
    return revision


def create_article(session: Session, author: Member | None, draft: ArticleDraft, lang: str,
                   kind: str = "guide", comanagers_only: bool = False,
                   translation_of: Article | None = None, space_id: int | None = None,
                   starter_key: str | None = None) -> Article:
    _check(draft)
    if lang not in ARTICLE_LANGUAGES:
        raise DomainError(_l("Choose French, Dutch or English."))
    kind = article_kind(kind)
    if kind not in ARTICLE_KINDS:
        raise DomainError(_l("Choose what kind of article this is."))
    if comanagers_only and author is not None and not can_manage(author):
        raise NotAllowedHere(_l("Only co-managers can reserve editing to co-managers."))
    if space_id is not None and author is not None and not can_manage(author):
        raise NotAllowedHere(_l("Only co-managers choose a space's guide."))
    article = Article(lang=lang, kind=kind, comanagers_only=comanagers_only,
                      author_id=author.id if author else None, space_id=space_id,
                      starter_key=starter_key,
                      created_at=clock.now())
    session.add(article)
    _apply(session, article, ArticleDraft(draft.title, draft.body_markdown, draft.tags,
                                          draft.summary or str(_l("First version"))), author)
    session.flush()
    if translation_of is not None:
        link_translation(session, article, translation_of)
    record_audit(session, author, "article.create", "article", article.id, article.title[:80])
    return article


def edit_article(session: Session, article: Article, editor: Member,
                 draft: ArticleDraft) -> ArticleRevision:
    """Save a change: a new revision, or a proposal waiting for a co-manager when the article
    is co-managers only and the editor is not one."""
    _check(draft)
    if not draft.summary.strip():
        raise DomainError(_l("Say in a few words what you changed."))
    if not can_see(article, editor):
        raise NotAllowedHere(_l("This article was removed."))
    if not can_edit_directly(article, editor):
        proposal = ArticleRevision(
            article=article, status="pending", base_number=article.revision,
            title=draft.title.strip(), body_markdown=draft.body_markdown,
            tags=clean_tags(draft.tags), summary=draft.summary.strip()[:200],
            author_id=editor.id, created_at=clock.now())
        session.add(proposal)
        session.flush()
        record_audit(session, editor, "article.propose", "article", article.id, proposal.summary)
        notices.edit_proposed(session, proposal, editor)
        return proposal
    revision = _apply(session, article, draft, editor)
    session.flush()
    record_audit(session, editor, "article.edit", "article", article.id, revision.summary)
    return revision


def restore_revision(session: Session, article: Article, number: int,
                     actor: Member) -> ArticleRevision:
    """A new revision equal to revision `number`."""
    if not can_edit_directly(article, actor):
        raise NotAllowedHere(_l("Only co-managers can restore this article's revisions."))
    old = revision_by_number(session, article.id, number)
    if old is None:
        raise DomainError(_l("There is no revision %(number)d.", number=number))
    revision = _apply(session, article, ArticleDraft(
        old.title, old.body_markdown, list(old.tags),
        str(_l("Restored revision %(number)d", number=number))), actor)
    session.flush()
    record_audit(session, actor, "article.restore", "article", article.id, str(number))
    return revision


def decide_proposal(session: Session, proposal: ArticleRevision, actor: Member,
                    accept: bool) -> None:
    """A co-manager accepts a proposed edit (it becomes the next revision) or declines it."""
    if not can_manage(actor):
        raise NotAllowedHere(_l("Only co-managers decide on proposed edits."))
    if proposal.status != "pending":
        raise DomainError(_l("This proposal was already decided."))
    if accept and is_stale(proposal):
        # Accepting would silently undo the revisions made since it was written.
        raise DomainError(_l("The article changed since this proposal was written: review it "
                             "against the current text, then edit the article or decline "
                             "the proposal."))
    proposal.decided_by_id = actor.id
    if accept:
        _apply(session, proposal.article, ArticleDraft(
            proposal.title, proposal.body_markdown, list(proposal.tags), proposal.summary),
            actor, revision=proposal)
    else:
        proposal.status = "rejected"
    session.flush()
    record_audit(session, actor, "article.proposal." + ("accept" if accept else "reject"),
                 "article", proposal.article_id, str(proposal.id))
    notices.edit_decided(session, proposal, actor, accept)


def is_stale(proposal: ArticleRevision) -> bool:
    """A proposal written on a revision that is no longer the article's current one."""
    return proposal.base_number != proposal.article.revision


def proposal_base_text(session: Session, proposal: ArticleRevision) -> str:
    """The text the proposal changed: the revision it was written on, so its differences
    show the member's change only, even when the article moved on since."""
    if not is_stale(proposal):
        return proposal.article.body_markdown
    base = revision_by_number(session, proposal.article_id, proposal.base_number)
    return base.body_markdown if base is not None else proposal.article.body_markdown


def set_hidden(session: Session, article: Article, actor: Member, hidden: bool) -> None:
    """Delete (hide) or bring back an article. Members may hide what they may edit;
    only co-managers bring an article back."""
    if hidden and not can_edit_directly(article, actor):
        raise NotAllowedHere(_l("Only co-managers can remove this article."))
    if not hidden and not can_manage(actor):
        raise NotAllowedHere(_l("Only co-managers can restore a removed article."))
    article.hidden = hidden
    session.flush()
    record_audit(session, actor, "article.hide" if hidden else "article.unhide", "article",
                 article.id)


def set_comanagers_only(session: Session, article: Article, actor: Member,
                        value: bool) -> None:
    if not can_manage(actor):
        raise NotAllowedHere(_l("Only co-managers can reserve editing to co-managers."))
    article.comanagers_only = value
    session.flush()
    record_audit(session, actor, "article.comanagers_only", "article", article.id, str(value))


def set_space_guide(session: Session, article: Article, actor: Member,
                    space_id: int | None) -> None:
    """Make the article the "how to use this space" guide of a space (None: of none)."""
    if not can_manage(actor):
        raise NotAllowedHere(_l("Only co-managers choose a space's guide."))
    if space_id is not None and session.get(Space, space_id) is None:
        raise DomainError(_l("This space does not exist. Choose one from the list."))
    if article.space_id == space_id:
        return
    article.space_id = space_id
    session.flush()
    record_audit(session, actor, "article.space_guide", "article", article.id, str(space_id))


def link_translation(session: Session, article: Article, other: Article) -> None:
    """Join `article` to the translations of `other` (one group per set of translations)."""
    if article.id == other.id:
        return
    group = other.translation_group or other.id
    other.translation_group = group
    old_group = article.translation_group
    if old_group and old_group != group:
        for member in session.execute(select(Article).where(
                Article.translation_group == old_group)).scalars():
            member.translation_group = group
    article.translation_group = group
    session.flush()


def translations(session: Session, article: Article) -> list[Article]:
    if not article.translation_group:
        return []
    return list(session.execute(select(Article).where(
        Article.translation_group == article.translation_group, Article.id != article.id,
        Article.hidden.is_(False)).order_by(Article.lang)).scalars())


def revision_by_number(session: Session, article_id: int, number: int) -> ArticleRevision | None:
    return session.execute(select(ArticleRevision).where(
        ArticleRevision.article_id == article_id, ArticleRevision.number == number)
    ).scalar_one_or_none()


def revisions(session: Session, article_id: int) -> list[ArticleRevision]:
    """Accepted revisions, newest first, with their authors."""
    from sqlalchemy.orm import joinedload

    return list(session.execute(select(ArticleRevision).options(
        joinedload(ArticleRevision.author)).where(
        ArticleRevision.article_id == article_id, ArticleRevision.status == "accepted")
        .order_by(ArticleRevision.number.desc())).scalars())


def pending_proposals(session: Session, article_id: int | None = None) -> list[ArticleRevision]:
    from sqlalchemy.orm import joinedload

    query = select(ArticleRevision).options(
        joinedload(ArticleRevision.author), joinedload(ArticleRevision.article)).where(
        ArticleRevision.status == "pending").order_by(ArticleRevision.id)
    if article_id is not None:
        query = query.where(ArticleRevision.article_id == article_id)
    return list(session.execute(query).scalars())


def count_view(session: Session, article: Article) -> None:
    """One more reading, for the "popular" list (one UPDATE, no read of the row)."""
    session.execute(Article.__table__.update().where(Article.id == article.id)
                    .values(views=Article.views + 1))


def body_html(article: Article | ArticleRevision):
    return render_markdown(article.body_markdown)


def article_count(session: Session) -> int:
    return session.execute(select(func.count(Article.id)).where(
        Article.hidden.is_(False))).scalar_one()
