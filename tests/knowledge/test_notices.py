"""The toolbox tells people what concerns them, through the notifications outbox: co-managers
of a proposed edit, its author of the decision, the asker of each answer, and an article's
author of a question on it. Nobody hears of their own action."""
from __future__ import annotations

from sqlalchemy import select

from booking.domain import knowledge
from booking.extensions import db
from booking.models import Notification


def _told(kind):
    db.session.expire_all()
    return [(n.member_id, n.params) for n in db.session.execute(
        select(Notification).where(Notification.kind == kind).order_by(Notification.id))
        .scalars()]


def _propose(article, member, body="Nouveau texte."):
    proposal = knowledge.edit_article(db.session, article, member, knowledge.ArticleDraft(
        article.title, body, ["assurance"], "précisé la franchise"))
    db.session.commit()
    return proposal


def test_each_comanager_hears_of_a_proposed_edit_and_the_author_of_the_decision(
        client, login, write_article, member, comanager, make_member):
    other = make_member("comanager", name="Second Cogestionnaire")
    article = write_article(comanager, title="Charte d’assurance", comanagers_only=True)
    proposal = _propose(article, member)
    told = _told("article_edit_proposed")
    assert sorted(m for m, _p in told) == sorted([comanager.id, other.id])
    assert told[0][1]["by"] == member.name and told[0][1]["title"] == "Charte d’assurance"
    knowledge.decide_proposal(db.session, proposal, comanager, accept=True)
    db.session.commit()
    declined = _propose(article, member, "Encore autre chose.")
    knowledge.decide_proposal(db.session, declined, other, accept=False)
    db.session.commit()
    assert [(m, p["accepted"]) for m, p in _told("article_edit_decided")] == [
        (member.id, True), (member.id, False)]
    login(member)
    client.post("/language", data={"lang": "en", "next": "/notifications"})
    html = client.get("/notifications").get_data(as_text=True)
    assert "Your edit is accepted: Charte d’assurance" in html
    assert "Your edit is declined: Charte d’assurance" in html


def test_a_proposal_costs_the_same_statements_for_two_or_six_comanagers(
        write_article, member, comanager, make_member, count_queries):
    article = write_article(comanager, comanagers_only=True)

    def statements():
        with count_queries() as counter:
            _propose(article, member)
        return counter.count

    few = statements()
    for number in range(4):
        make_member("comanager", name=f"Cogestionnaire {number}")
    assert statements() == few
    assert len(_told("article_edit_proposed")) == 1 + 5


def test_the_asker_hears_of_answers_but_not_of_their_own(write_article, member, comanager):
    question = knowledge.ask_question(db.session, member, "Qui assure le camion ?")
    knowledge.answer_question(db.session, question, comanager, "La coopérative.")
    knowledge.answer_question(db.session, question, member, "Merci, et la franchise ?")
    db.session.commit()
    ((told, params),) = _told("question_answered")
    assert told == member.id and params["by"] == comanager.name
    assert params["title"] == "Qui assure le camion ?"


def test_an_articles_author_hears_of_a_question_on_it(write_article, member, comanager):
    article = write_article(comanager, title="Assurer le matériel")
    knowledge.ask_question(db.session, member, "Et en tournée ?", article=article)
    knowledge.ask_question(db.session, comanager, "Une précision de ma part", article=article)
    knowledge.ask_question(db.session, member, "Question générale")
    db.session.commit()
    ((told, params),) = _told("article_question")
    assert told == comanager.id
    assert params == {"article": "Assurer le matériel", "question": "Et en tournée ?",
                      "by": member.name}


def test_a_member_does_not_get_the_comanagers_proposal_kind_in_preferences(
        client, login, member):
    login(member)
    html = client.get("/notifications/preferences").get_data(as_text=True)
    assert "article_edit_decided" in html and "article_edit_proposed" not in html
