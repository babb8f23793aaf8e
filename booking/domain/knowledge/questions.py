"""Questions and answers: a member asks (on an article or in general), others answer, the
asker marks the answer that helped, and an answered question can become an article section."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ... import clock
from ...models import Article, KnowledgeAnswer, KnowledgeQuestion, Member
from ..accounts import record_audit
from ..errors import DomainError
from . import notices
from .articles import ArticleDraft, NotAllowedHere, edit_article


def ask_question(session: Session, asker: Member, title: str, body: str = "",
                 article: Article | None = None) -> KnowledgeQuestion:
    if not title.strip():
        raise DomainError(_l("Write your question."))
    question = KnowledgeQuestion(asker_id=asker.id, title=title.strip()[:200],
                                 body=body.strip()[:20_000],
                                 article_id=article.id if article else None,
                                 created_at=clock.now())
    session.add(question)
    session.flush()
    record_audit(session, asker, "question.ask", "question", question.id)
    notices.question_on_article(session, question, article, asker)
    return question


def answer_question(session: Session, question: KnowledgeQuestion, author: Member,
                    body: str) -> KnowledgeAnswer:
    if not body.strip():
        raise DomainError(_l("Write your answer."))
    answer = KnowledgeAnswer(question=question, author_id=author.id, body=body.strip()[:20_000],
                             created_at=clock.now())
    session.add(answer)
    session.flush()
    record_audit(session, author, "question.answer", "question", question.id, str(answer.id))
    notices.question_answered(session, question, answer, author)
    return answer


def accept_answer(session: Session, answer: KnowledgeAnswer, member: Member) -> None:
    """The asker (only) marks the answer that helped; one per question."""
    question = answer.question
    if question.asker_id != member.id:
        raise NotAllowedHere(_l("Only the person who asked can mark the answer that helped."))
    for other in question.answers:
        other.accepted = other.id == answer.id
    question.answered = True
    session.flush()
    record_audit(session, member, "question.accept", "question", question.id, str(answer.id))


def add_to_article(session: Session, question: KnowledgeQuestion, article: Article,
                   actor: Member):
    """Append the question and its accepted answer to an article as a new section (a new
    revision, or a proposal on a co-managers-only article)."""
    accepted = next((a for a in question.answers if a.accepted), None)
    if accepted is None:
        raise DomainError(_l("Mark the answer that helped before adding it to an article."))
    body = f"{article.body_markdown.rstrip()}\n\n## {question.title}\n\n{accepted.body}\n"
    revision = edit_article(session, article, actor, ArticleDraft(
        article.title, body, [t.name for t in article.tags],
        str(_l("Added the question “%(title)s”", title=question.title[:120]))))
    question.section_article_id = article.id
    session.flush()
    return revision


def open_questions(session: Session, limit: int = 20) -> list[KnowledgeQuestion]:
    """Questions nobody has marked as answered, oldest first (they waited longest)."""
    return list(session.execute(select(KnowledgeQuestion).options(
        joinedload(KnowledgeQuestion.asker), selectinload(KnowledgeQuestion.answers))
        .where(KnowledgeQuestion.answered.is_(False))
        .order_by(KnowledgeQuestion.created_at, KnowledgeQuestion.id).limit(limit)).scalars())


def recent_questions(session: Session, limit: int = 50) -> list[KnowledgeQuestion]:
    return list(session.execute(select(KnowledgeQuestion).options(
        joinedload(KnowledgeQuestion.asker), selectinload(KnowledgeQuestion.answers))
        .order_by(KnowledgeQuestion.created_at.desc(), KnowledgeQuestion.id.desc())
        .limit(limit)).scalars())


def question_with_answers(session: Session, question_id: int) -> KnowledgeQuestion | None:
    return session.execute(select(KnowledgeQuestion).options(
        joinedload(KnowledgeQuestion.asker), joinedload(KnowledgeQuestion.article),
        selectinload(KnowledgeQuestion.answers).joinedload(KnowledgeAnswer.author))
        .where(KnowledgeQuestion.id == question_id)).scalar_one_or_none()


def questions_on(session: Session, article_id: int) -> list[KnowledgeQuestion]:
    return list(session.execute(select(KnowledgeQuestion).options(
        selectinload(KnowledgeQuestion.answers)).where(
        KnowledgeQuestion.article_id == article_id).order_by(KnowledgeQuestion.id)).scalars())
