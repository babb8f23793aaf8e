"""The toolbox API keeps the paths and fields of issue 14."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.domain import knowledge
from booking.extensions import db
from booking.models import Article, ArticleRevision


def test_create_read_update_and_list_articles(api, token_for, member):
    headers = token_for(member)
    created = api("POST", "/articles", headers, json={
        "title": "Préparer une répétition", "body_markdown": "Réserver <script>x</script>",
        "lang": "fr", "kind": "guide", "tags": ["Studio"]})
    assert created.status_code == 201
    body = created.json
    assert body["revision"] == 1 and body["tags"] == ["studio"]
    assert "script" not in body["body_html"] and "Réserver" in body["body_html"]
    article_id = body["id"]
    read = api("GET", f"/articles/{article_id}", headers).json
    assert read["body_markdown"] == "Réserver <script>x</script>"
    patched = api("PATCH", f"/articles/{article_id}", headers,
                  json={"body_markdown": "Réserver le studio.", "summary": "nettoyé"})
    assert patched.status_code == 200 and patched.json["revision"] == 2
    assert patched.json["proposed"] is False
    items = api("GET", "/articles?q=r%C3%A9p%C3%A9titions&lang=fr", headers).json["items"]
    assert [i["id"] for i in items] == [article_id]
    assert set(items[0]) == {"id", "title", "lang", "kind", "tags", "updated_at", "excerpt",
                             "excerpt_html"}


def test_search_results_give_the_highlighted_extract_as_on_the_page(api, token_for, member):
    headers = token_for(member)
    api("POST", "/articles", headers, json={
        "title": "Sécurité", "lang": "fr", "kind": "guide",
        "body_markdown": "Vérifier l'extincteur <b>& la trousse</b> de l'atelier."})
    (item,) = api("GET", "/articles?q=extincteur", headers).json["items"]
    assert "<mark>extincteur</mark>" in item["excerpt_html"]
    assert "&amp; la trousse" in item["excerpt_html"] and "<b>" not in item["excerpt_html"]
    assert "<mark>" not in item["excerpt"] and "extincteur & la trousse" in item["excerpt"]


def test_refused_markup_is_not_in_body_html(api, token_for, member):
    body = ("[x](javascript:alert(1)) [d](data:text/html,hi) <img src=x onerror=alert(1)> "
            "<span style='color:red'>rouge</span> <iframe src='https://evil.example'></iframe>"
            "\n\n<script>alert(2)</script>\n\n[ok](https://example.org)")
    created = api("POST", "/articles", token_for(member), json={
        "title": "Pièges", "body_markdown": body, "lang": "fr", "kind": "guide"})
    html = created.json["body_html"]
    for piece in ("javascript:", "data:", "onerror", "style", "iframe", "script", "alert"):
        assert piece not in html
    assert "rouge" in html and '<a rel="nofollow noopener">x</a>' in html
    assert '<a href="https://example.org" rel="nofollow noopener">ok</a>' in html


def test_revisions_and_restore(api, token_for, member):
    headers = token_for(member)
    article_id = api("POST", "/articles", headers, json={
        "title": "T", "body_markdown": "v1", "lang": "en", "kind": "checklist"}).json["id"]
    api("PATCH", f"/articles/{article_id}", headers, json={"body_markdown": "v2",
                                                           "summary": "second"})
    revisions = api("GET", f"/articles/{article_id}/revisions", headers).json
    assert [r["revision"] for r in revisions] == [2, 1]
    assert set(revisions[0]) == {"revision", "author_id", "created_at", "summary"}
    restored = api("POST", f"/articles/{article_id}/revisions/1/restore", headers)
    assert restored.status_code == 200
    assert restored.json["revision"] == 3 and restored.json["body_markdown"] == "v1"
    assert api("POST", f"/articles/{article_id}/revisions/9/restore",
               headers).status_code == 404


def test_member_cannot_edit_or_restore_comanagers_only_article(
        api, token_for, member, comanager, write_article):
    article = write_article(comanager, body="v1", comanagers_only=True)
    knowledge.edit_article(db.session, article, comanager, knowledge.ArticleDraft(
        article.title, "v2", [], "v2"))
    db.session.commit()
    headers = token_for(member)
    patched = api("PATCH", f"/articles/{article.id}", headers,
                  json={"body_markdown": "v3 de Léa", "summary": "proposé"})
    assert patched.status_code == 202  # accepted for a co-manager's decision, not applied
    assert patched.json["proposed"] is True and patched.json["body_markdown"] == "v2"
    restore = api("POST", f"/articles/{article.id}/revisions/1/restore", headers)
    assert restore.status_code == 403 and restore.json["type"].endswith(":forbidden")
    db.session.expire_all()
    assert db.session.execute(select(ArticleRevision.status).where(
        ArticleRevision.author_id == member.id)).scalar_one() == "pending"
    assert article.body_markdown == "v2"


def test_openapi_documents_the_proposal_status(client):
    responses = client.get("/api/v1/openapi.json").json["paths"][
        "/api/v1/articles/{article_id}"]["patch"]["responses"]
    assert "200" in responses and "202" in responses
    assert "proposal" in responses["202"]["description"]
    assert responses["202"]["content"] == responses["200"]["content"]


def test_questions_answers_and_accept_by_asker_only(api, token_for, member, make_member):
    asker, helper = token_for(member), token_for(make_member())
    question = api("POST", "/questions", asker, json={"title": "Qui prête un diable ?"})
    assert question.status_code == 201
    question_id = question.json["id"]
    answer = api("POST", f"/questions/{question_id}/answers", helper, json={"body": "Moi."})
    assert answer.status_code == 201
    answer_id = answer.json["id"]
    assert [q["id"] for q in api("GET", "/questions?open=true", helper).json["items"]] == [
        question_id]
    refused = api("POST", f"/answers/{answer_id}/accept", helper)
    assert refused.status_code == 403
    accepted = api("POST", f"/answers/{answer_id}/accept", asker)
    assert accepted.status_code == 200 and accepted.json["accepted"] is True
    assert api("GET", "/questions?open=true", helper).json["items"] == []
    listed = api("GET", "/questions", helper).json["items"][0]
    assert listed["answered"] is True and listed["answers"][0]["id"] == answer_id


def test_invalid_input_is_a_problem(api, token_for, member):
    headers = token_for(member)
    assert api("POST", "/articles", headers, json={"title": "x", "body_markdown": "",
                                                   "lang": "de", "kind": "guide"}
               ).status_code == 422
    assert api("GET", "/articles?lang=de", headers).status_code == 422
    assert api("PATCH", "/articles/1", headers, json={"summary": "x"}).status_code == 404
    assert api("GET", "/articles", {}).status_code == 401


@pytest.mark.parametrize("kind", ["address_book", "address-book", "address book entry"])
def test_address_book_entry_is_another_name_for_the_address_kind(api, token_for, member, kind):
    headers = token_for(member)
    created = api("POST", "/articles", headers, json={
        "title": "Loueurs de matériel", "body_markdown": "Atelier X, rue Y.", "lang": "fr",
        "kind": kind})
    assert created.status_code == 201 and created.json["kind"] == "address"
    listed = api("GET", "/articles", headers, query_string={"kind": kind})
    assert listed.status_code == 200
    assert [(i["id"], i["kind"]) for i in listed.json["items"]] == [
        (created.json["id"], "address")]
    assert db.session.get(Article, created.json["id"]).kind == "address"
