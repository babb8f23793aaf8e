"""Every save is a revision; restoring makes a new one; co-managers-only articles take a
member's change as a proposal a co-manager accepts."""
from __future__ import annotations

import pytest
from flask_babel import gettext
from sqlalchemy import select

from booking.domain import knowledge
from booking.domain.errors import DomainError
from booking.extensions import db
from booking.models import Article, ArticleRevision, AuditEvent


def _edit(article, who, body, summary="changed", title=None):
    revision = knowledge.edit_article(db.session, article, who, knowledge.ArticleDraft(
        title or article.title, body, [t.name for t in article.tags], summary))
    db.session.commit()
    return revision


def test_every_save_is_a_numbered_revision_with_who_and_what(write_article, member, comanager):
    article = write_article(member, body="Première version.")
    _edit(article, comanager, "Deuxième version.", "précisé le montant")
    history = knowledge.revisions(db.session, article.id)
    assert [(r.number, r.author_id, r.summary) for r in history] == [
        (2, comanager.id, "précisé le montant"), (1, member.id, gettext("First version"))]
    assert article.revision == 2 and article.body_markdown == "Deuxième version."


def test_an_edit_needs_a_summary(write_article, member):
    article = write_article(member)
    with pytest.raises(DomainError, match=gettext("Say in a few words what you changed.")):
        knowledge.edit_article(db.session, article, member,
                               knowledge.ArticleDraft(article.title, "x", [], "  "))


def test_restore_makes_a_new_revision_equal_to_the_old_one(write_article, member):
    article = write_article(member, body="Texte d’origine.", tags=("assurance",))
    _edit(article, member, "Texte abîmé.")
    restored = knowledge.restore_revision(db.session, article, 1, member)
    db.session.commit()
    assert restored.number == 3
    assert article.body_markdown == "Texte d’origine." and article.revision == 3
    assert [r.number for r in knowledge.revisions(db.session, article.id)] == [3, 2, 1]
    assert knowledge.revision_by_number(db.session, article.id, 2).body_markdown == \
        "Texte abîmé."  # nothing lost
    assert db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "article.restore")).scalar_one().object_id == article.id


def test_member_edit_on_comanagers_only_article_becomes_a_proposal(
        write_article, member, comanager):
    article = write_article(comanager, body="Règles de l’atelier.", comanagers_only=True)
    proposal = _edit(article, member, "Règles de l’atelier, et du stockage.", "stockage")
    assert proposal.status == "pending" and proposal.number is None
    db.session.refresh(article)
    assert article.body_markdown == "Règles de l’atelier." and article.revision == 1
    knowledge.decide_proposal(db.session, proposal, comanager, accept=True)
    db.session.commit()
    assert article.body_markdown == "Règles de l’atelier, et du stockage."
    assert article.revision == 2 and proposal.number == 2 and proposal.author_id == member.id


def test_member_cannot_restore_or_decide_on_comanagers_only_article(
        write_article, member, comanager):
    article = write_article(comanager, body="v1", comanagers_only=True)
    _edit(article, comanager, "v2")
    with pytest.raises(knowledge.NotAllowedHere):
        knowledge.restore_revision(db.session, article, 1, member)
    proposal = _edit(article, member, "v3 de Léa")
    with pytest.raises(knowledge.NotAllowedHere):
        knowledge.decide_proposal(db.session, proposal, member, accept=True)
    db.session.rollback()
    assert db.session.get(Article, article.id).body_markdown == "v2"


def test_a_proposal_written_on_an_older_revision_is_not_accepted_over_newer_text(
        write_article, member, comanager):
    article = write_article(comanager, body="Règles.", comanagers_only=True)
    proposal = _edit(article, member, "Règles et stockage.", "stockage")
    _edit(article, comanager, "Règles, horaires.", "horaires")
    with pytest.raises(DomainError, match=gettext(
            "The article changed since this proposal was written: review it against the "
            "current text, then edit the article or decline the proposal.")):
        knowledge.decide_proposal(db.session, proposal, comanager, accept=True)
    db.session.rollback()
    assert db.session.get(Article, article.id).body_markdown == "Règles, horaires."
    assert db.session.get(ArticleRevision, proposal.id).status == "pending"
    knowledge.decide_proposal(db.session, proposal, comanager, accept=False)
    assert proposal.status == "rejected"


def test_declined_proposal_changes_nothing(write_article, member, comanager):
    article = write_article(comanager, body="v1", comanagers_only=True)
    proposal = _edit(article, member, "autre")
    knowledge.decide_proposal(db.session, proposal, comanager, accept=False)
    db.session.commit()
    assert proposal.status == "rejected" and article.body_markdown == "v1"
    assert knowledge.pending_proposals(db.session) == []


def test_word_diff_marks_changed_words_only():
    pieces = knowledge.word_diff("Le loyer est partagé par usage.",
                                 "Le loyer est partagé par parts.")
    assert [(p.kind, p.text) for p in pieces if p.kind != "same"] == [
        ("removed", "usage."), ("added", "parts.")]
    assert "".join(p.text for p in pieces if p.kind != "removed") == \
        "Le loyer est partagé par parts."


def test_hidden_article_is_kept_and_only_comanagers_bring_it_back(
        write_article, member, comanager):
    article = write_article(member)
    knowledge.set_hidden(db.session, article, member, True)
    db.session.commit()
    assert knowledge.search_articles(db.session, "") == []
    with pytest.raises(knowledge.NotAllowedHere):
        knowledge.set_hidden(db.session, article, member, False)
    knowledge.set_hidden(db.session, article, comanager, False)
    db.session.commit()
    assert [h.article.id for h in knowledge.search_articles(db.session, "")] == [article.id]


def test_checklist_ticks_are_per_member_and_leave_the_article_alone(
        write_article, member, comanager):
    article = write_article(member, kind="checklist",
                            body="- [ ] Extincteur\n- [ ] Trousse de secours\n- [x] Clés")
    assert knowledge.task_items(article.body_markdown) == [
        "Extincteur", "Trousse de secours", "Clés"]
    knowledge.save_ticks(db.session, article, member, {0, 2, 99})
    db.session.commit()
    assert knowledge.ticks_of(db.session, article, member) == {0, 2}
    assert knowledge.ticks_of(db.session, article, comanager) == set()
    assert article.revision == 1
    assert db.session.execute(select(ArticleRevision)).scalars().all()[-1].number == 1


def test_question_answer_accepted_by_asker_then_added_to_article(
        write_article, member, comanager, make_member):
    article = write_article(comanager, body="# Assurance")
    question = knowledge.ask_question(db.session, member, "Qui assure le matériel prêté ?",
                                      article=article)
    other = make_member()
    answer = knowledge.answer_question(db.session, question, other, "L’asbl, si le contrat "
                                       "couvre le matériel confié.")
    db.session.commit()
    assert knowledge.open_questions(db.session) == [question]
    with pytest.raises(knowledge.NotAllowedHere):
        knowledge.accept_answer(db.session, answer, other)
    knowledge.accept_answer(db.session, answer, member)
    db.session.commit()
    assert knowledge.open_questions(db.session) == []
    knowledge.add_to_article(db.session, question, article, comanager)
    db.session.commit()
    assert "## Qui assure le matériel prêté ?" in article.body_markdown
    assert article.revision == 2
