"""Who hears what in the toolbox: rows in the notifications outbox, written in the caller's
transaction (a rolled-back edit or answer tells nobody). Nobody is told of their own action."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ...models import Article, ArticleRevision, KnowledgeAnswer, KnowledgeQuestion, Member
from ..notifications import notify, notify_many
from ..notifications.outbox import comanagers

PROPOSALS_LINK = "/toolbox/proposals"


def edit_proposed(session: Session, proposal: ArticleRevision, proposer: Member) -> None:
    """A member proposed an edit to a co-managers-only article: every co-manager, in one
    INSERT, with a link to the proposals waiting."""
    people = [person for person in comanagers(session) if person.id != proposer.id]
    params = {"title": proposal.article.title, "by": proposer.name,
              "summary": proposal.summary, "article_id": proposal.article_id}
    notify_many(session, "article_edit_proposed", [(person, params) for person in people],
                link=PROPOSALS_LINK)


def edit_decided(session: Session, proposal: ArticleRevision, decider: Member,
                 accepted: bool) -> None:
    """The member who proposed the edit hears whether it was accepted."""
    author = session.get(Member, proposal.author_id) if proposal.author_id else None
    if author is None or author.id == decider.id or not author.active:
        return
    notify(session, author, "article_edit_decided", link=f"/toolbox/{proposal.article_id}",
           title=proposal.article.title, by=decider.name, accepted=accepted)


def question_answered(session: Session, question: KnowledgeQuestion, answer: KnowledgeAnswer,
                      author: Member) -> None:
    """The asker hears of each answer (not of their own)."""
    asker = question.asker
    if asker.id == author.id or not asker.active:
        return
    notify(session, asker, "question_answered", link=f"/toolbox/questions/{question.id}",
           title=question.title, by=author.name, answer_id=answer.id)


def question_on_article(session: Session, question: KnowledgeQuestion, article: Article | None,
                        asker: Member) -> None:
    """The author of the article a question is asked on hears of it."""
    if article is None or article.author_id is None or article.author_id == asker.id:
        return
    author = article.author
    if author is None or not author.active:
        return
    notify(session, author, "article_question", link=f"/toolbox/questions/{question.id}",
           article=article.title, question=question.title, by=asker.name)
