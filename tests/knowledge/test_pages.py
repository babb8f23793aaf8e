"""The toolbox pages: plain HTML forms (no JavaScript needed), in three languages, with the
role checked on the server and bounded queries on the front page."""
from __future__ import annotations

import io

import pytest
from flask_babel import gettext
from sqlalchemy import select

from booking.domain import knowledge
from booking.extensions import db
from booking.models import Article, ArticleRevision, ChecklistProgress


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_empty_toolbox_says_what_to_do_next(client, login, member):
    login(member)
    html = _page(client, "/toolbox/")
    assert gettext("The toolbox is empty. Write the first article: a guide, a checklist or a "
                   "template other members can reuse.").split(":")[0] in html


@pytest.mark.parametrize("lang, words", [
    ("fr", ["Boîte à outils", "Écrire un article", "Poser une question"]),
    ("nl", ["Gereedschapskist", "Een artikel schrijven", "Een vraag stellen"]),
    ("en", ["Toolbox", "Write an article", "Ask a question"]),
])
def test_pages_are_translated(client, login, member, write_article, lang, words):
    login(member)
    article = write_article(member, kind="checklist", body="- [ ] Clés")
    client.post("/language", data={"lang": lang, "next": "/toolbox/"})
    for url in ("/toolbox/", f"/toolbox/{article.id}", f"/toolbox/{article.id}/edit",
                f"/toolbox/{article.id}/history", "/toolbox/questions", "/toolbox/new",
                "/toolbox/questions/new"):
        html = _page(client, url)
        assert f'lang="{lang}"' in html
    index = _page(client, "/toolbox/")
    for word in words:
        assert word in index


def test_member_writes_edits_and_restores_with_plain_forms(client, login, member):
    login(member)
    response = client.post("/toolbox/new", data={
        "title": "Ranger la réserve", "body_markdown": "Étiqueter chaque caisse.",
        "lang": "fr", "kind": "guide", "tags": "stockage, Réserve"})
    assert response.status_code == 302
    article = db.session.execute(select(Article)).scalar_one()
    assert [t.name for t in article.tags] == ["réserve", "stockage"]
    client.post(f"/toolbox/{article.id}/edit", data={
        "title": "Ranger la réserve", "body_markdown": "Tout jeter.", "tags": "stockage",
        "summary": "simplifié"})
    client.post(f"/toolbox/{article.id}/revisions/1/restore")
    db.session.refresh(article)
    assert article.revision == 3 and article.body_markdown == "Étiqueter chaque caisse."
    html = _page(client, f"/toolbox/{article.id}/diff?a=1&b=2")
    assert "<del>Étiqueter chaque caisse.</del>" in html and "<ins>Tout jeter.</ins>" in html


def test_member_edit_of_comanagers_only_article_is_only_proposed(
        client, login, member, comanager, write_article):
    article = write_article(comanager, body="Règles.", comanagers_only=True)
    login(member)
    response = client.post(f"/toolbox/{article.id}/edit", data={
        "title": article.title, "body_markdown": "Règles changées.", "tags": "assurance",
        "summary": "changé"}, follow_redirects=True)
    assert gettext("Your change is proposed: a co-manager will read it and accept it.") in \
        response.get_data(as_text=True)
    assert client.post(f"/toolbox/{article.id}/revisions/1/restore").status_code == 403
    proposal = db.session.execute(select(ArticleRevision).where(
        ArticleRevision.status == "pending")).scalar_one()
    assert client.get("/toolbox/proposals").status_code == 403
    assert client.post(f"/toolbox/proposals/{proposal.id}/accept").status_code == 403
    db.session.refresh(article)
    assert article.body_markdown == "Règles." and article.revision == 1


def test_comanager_accepts_a_proposal(client, login, member, comanager, write_article):
    article = write_article(comanager, body="Règles.", comanagers_only=True)
    proposal = knowledge.edit_article(db.session, article, member, knowledge.ArticleDraft(
        article.title, "Règles et stockage.", ["assurance"], "stockage"))
    db.session.commit()
    login(comanager)
    assert "Règles et stockage" in _page(client, "/toolbox/proposals")
    client.post(f"/toolbox/proposals/{proposal.id}/accept")
    db.session.refresh(article)
    assert article.body_markdown == "Règles et stockage." and article.revision == 2


def test_a_stale_proposal_is_shown_against_its_own_revision_and_cannot_be_accepted(
        client, login, member, comanager, write_article):
    article = write_article(comanager, body="Règles.", comanagers_only=True)
    proposal = knowledge.edit_article(db.session, article, member, knowledge.ArticleDraft(
        article.title, "Règles et stockage.", ["assurance"], "stockage"))
    knowledge.edit_article(db.session, article, comanager, knowledge.ArticleDraft(
        article.title, "Règles, horaires.", ["assurance"], "horaires"))
    db.session.commit()
    login(comanager)
    html = _page(client, "/toolbox/proposals")
    assert gettext("Written on revision %(number)d: the article changed since.",
                   number=1) in html
    assert "horaires" not in html  # the member's change, not an undoing of the newer text
    assert f"/toolbox/proposals/{proposal.id}/accept" not in html
    response = client.post(f"/toolbox/proposals/{proposal.id}/accept", follow_redirects=True)
    assert gettext("The article changed since this proposal was written: review it against "
                   "the current text, then edit the article or decline the proposal.") in \
        response.get_data(as_text=True).replace("&#39;", "'")
    db.session.refresh(article)
    assert article.body_markdown == "Règles, horaires." and article.revision == 2


def test_article_body_is_sanitised_on_the_page(client, login, member, write_article):
    article = write_article(member, body="<script>alert(1)</script> [x](javascript:alert(2))")
    login(member)
    html = _page(client, f"/toolbox/{article.id}")
    assert "<script>alert" not in html and 'href="javascript' not in html


def test_ticks_are_saved_per_member_without_javascript(
        client, login, member, write_article, make_member):
    article = write_article(member, kind="checklist", body="- [ ] Un\n- [ ] Deux\n- [ ] Trois")
    login(member)
    html = _page(client, f"/toolbox/{article.id}")
    assert 'name="done" value="2"' in html
    client.post(f"/toolbox/{article.id}/ticks", data={"done": ["0", "2"]})
    assert db.session.execute(select(ChecklistProgress.ticked)).scalar_one() == [0, 2]
    assert 'value="2" checked' in _page(client, f"/toolbox/{article.id}")
    other = make_member()
    client.post("/logout")
    login(other)
    assert 'value="2" checked' not in _page(client, f"/toolbox/{article.id}")


def test_hidden_article_is_404_for_members_and_listed_for_comanagers(
        client, login, member, comanager, write_article):
    article = write_article(member)
    login(member)
    client.post(f"/toolbox/{article.id}/hide", data={"hidden": "1"})
    assert client.get(f"/toolbox/{article.id}").status_code == 404
    assert client.get("/toolbox/removed").status_code == 403
    client.post("/logout")
    login(comanager)
    assert article.title in _page(client, "/toolbox/removed")
    client.post(f"/toolbox/{article.id}/hide", data={"hidden": "0"})
    db.session.refresh(article)
    assert article.hidden is False


def test_search_page_filters_and_highlights(client, login, member, write_article):
    write_article(member, title="Préparer une répétition", body="Réserver le studio.")
    write_article(member, title="Assurer le matériel", body="Contrat.")
    login(member)
    html = _page(client, "/toolbox/?q=r%C3%A9p%C3%A9titions")
    assert "Préparer une répétition" in html and "Assurer le matériel" not in html
    html = _page(client, "/toolbox/?q=zzzz")
    assert gettext("No article matches. Try other words, remove a filter, or ask the "
                   "question to other members.") in html


def test_attachment_is_checked_by_content_and_served_as_download(
        client, login, member, write_article):
    article = write_article(member)
    login(member)
    client.post(f"/toolbox/{article.id}/attachments", data={
        "file": (io.BytesIO(b"<html><script>x</script>"), "modele.pdf")},
        content_type="multipart/form-data")
    assert article.attachments == []
    client.post(f"/toolbox/{article.id}/attachments", data={
        "file": (io.BytesIO(b"%PDF-1.4 modele"), "modèle convention.pdf")},
        content_type="multipart/form-data")
    db.session.refresh(article)
    attachment = article.attachments[0]
    response = client.get(f"/toolbox/files/{attachment.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 modele"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_office_documents_are_recognised_by_their_content():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")
    assert knowledge.detect_template_type(buffer.getvalue())[1] == "odt"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
    assert knowledge.detect_template_type(buffer.getvalue())[1] == "docx"
    assert knowledge.detect_template_type(b"PK\x03\x04garbage") is None


def test_questions_asked_answered_and_accepted_by_the_asker_only(
        client, login, member, make_member):
    login(member)
    client.post("/toolbox/questions/new", data={"title": "Qui a un diable à prêter ?"})
    question = knowledge.open_questions(db.session)[0]
    helper = make_member()
    client.post("/logout")
    login(helper)
    client.post(f"/toolbox/questions/{question.id}", data={"body": "Moi, à l’atelier."})
    db.session.expire_all()
    answer = knowledge.question_with_answers(db.session, question.id).answers[0]
    assert client.post(f"/toolbox/answers/{answer.id}/accept").status_code == 403
    client.post("/logout")
    login(member)
    client.post(f"/toolbox/answers/{answer.id}/accept")
    db.session.expire_all()
    assert knowledge.open_questions(db.session) == []


def test_front_page_queries_are_bounded(client, login, member, write_article, count_queries):
    login(member)
    write_article(member, tags=("a", "b"))
    knowledge.ask_question(db.session, member, "Une question ?")
    db.session.commit()
    client.get("/toolbox/")
    with count_queries() as few:
        client.get("/toolbox/")
    for i in range(15):
        write_article(member, title=f"Guide {i}", tags=("a", f"t{i}"))
        knowledge.ask_question(db.session, member, f"Question {i} ?")
    db.session.commit()
    with count_queries() as many:
        assert client.get("/toolbox/").status_code == 200
    assert many.count == few.count


def test_strangers_are_sent_to_login(client):
    assert client.get("/toolbox/").status_code == 302
