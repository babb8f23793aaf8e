"""The toolbox: articles (search, write, history, restore) and questions with answers."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..domain import knowledge
from ..extensions import db
from ..models import ARTICLE_KINDS, ARTICLE_LANGUAGES, Article, KnowledgeAnswer, KnowledgeQuestion
from .actions import api_action
from .auth import current_member
from .blueprint import bp
from .inputs import format_instant
from .json import get_object
from .knowledge_schemas import KIND_INPUT  # also adds the toolbox schemas to the components
from .openapi import array_of, endpoint, query_param, ref
from .problems import ApiProblem


def _article_or_404(article_id: int) -> Article:
    article = get_object(Article, article_id)
    if not knowledge.can_see(article, current_member()):
        raise ApiProblem(404)
    return article


def _known_article(article_id: int, field: str) -> Article:
    """An article named in a body: unknown (or hidden) is a 422 naming the field."""
    article = db.session.get(Article, article_id)
    if article is None or not knowledge.can_see(article, current_member()):
        raise ApiProblem(422, _l("No article has the number %(id)d. Check %(field)s.",
                                 id=article_id, field=field), "validation-error")
    return article


def _tags(article: Article) -> list[str]:
    return [t.name for t in article.tags]


def article_json(article: Article, proposed: bool = False) -> dict:
    return {
        "id": article.id, "title": article.title, "lang": article.lang, "kind": article.kind,
        "tags": _tags(article), "updated_at": format_instant(article.updated_at),
        "body_markdown": article.body_markdown, "body_html": str(knowledge.body_html(article)),
        "revision": article.revision, "comanagers_only": article.comanagers_only,
        "author_id": article.author_id,
        "translation_ids": [t.id for t in knowledge.translations(db.session, article)],
        "proposed": proposed,
    }


@endpoint(bp, "/articles", "GET", summary="Search the toolbox", tag="toolbox",
          response=ref("ArticleList"),
          description="Articles matching every word of q (ranked by relevance; newest first "
                      "without q), filtered by tag, language and kind; at most 50. PostgreSQL "
                      "stems words per language (répétitions finds répétition); SQLite "
                      "matches words without accents and without a plural s.",
          query=[query_param("q", {"type": "string", "maxLength": 200}, "Words to find."),
                 query_param("tag", {"type": "string", "maxLength": 40}, "One tag."),
                 query_param("lang", {"type": "string", "enum": ["fr", "nl", "en"]},
                             "The articles' language."),
                 query_param("kind", KIND_INPUT, "The kind of article."),
                 query_param("limit", {"type": "integer", "minimum": 1, "maximum": 50},
                             "How many (20 by default).")])
def list_articles(query):
    for name, allowed in (("lang", ARTICLE_LANGUAGES),
                          ("kind", (*ARTICLE_KINDS, *knowledge.KIND_ALIASES))):
        if query[name] is not None and query[name] not in allowed:
            raise ApiProblem(422, _l("The parameter %(field)s must be one of: %(values)s.",
                                     field=name, values=", ".join(allowed)))
    if len(query["q"] or "") > 200:
        raise ApiProblem(422, _l("The field %(field)s has at most %(limit)s characters.",
                                 field="q", limit=200))
    hits = knowledge.search_articles(db.session, query["q"] or "", tag=query["tag"],
                                     lang=query["lang"], kind=query["kind"],
                                     limit=query["limit"] or 20)
    return jsonify({"items": [{
        "id": hit.article.id, "title": hit.article.title, "lang": hit.article.lang,
        "kind": hit.article.kind, "tags": _tags(hit.article),
        "updated_at": format_instant(hit.article.updated_at),
        "excerpt": Markup(hit.excerpt).striptags(), "excerpt_html": str(hit.excerpt),
    } for hit in hits]})


@endpoint(bp, "/articles", "POST", summary="Write an article", tag="toolbox", status=201,
          body=ref("ArticleCreate"), response=ref("Article"),
          description="Its first revision. With translation_of, it joins that article's "
                      "translations.")
def create_article(body):
    original = (_known_article(body["translation_of"], "translation_of")
                if "translation_of" in body else None)
    with api_action():
        article = knowledge.create_article(
            db.session, current_member(), knowledge.ArticleDraft(
                body["title"], body["body_markdown"], body.get("tags", [])),
            lang=body["lang"], kind=body["kind"], translation_of=original)
    return jsonify(article_json(article)), 201


@endpoint(bp, "/articles/<int:article_id>", "GET", summary="An article", tag="toolbox",
          response=ref("Article"),
          description="With its Markdown, its sanitised HTML and its revision number.")
def get_article(article_id):
    return jsonify(article_json(_article_or_404(article_id)))


@endpoint(bp, "/articles/<int:article_id>", "PATCH", summary="Change an article",
          tag="toolbox", body=ref("ArticleUpdate"), response=ref("Article"),
          also={202: "A proposal: the change waits for a co-manager's decision; the article "
                     "is answered unchanged, with proposed: true."},
          description="A new revision (200). On a co-managers-only article a member's change "
                      "is kept as a proposal for co-managers instead: 202 Accepted, the "
                      "article answered unchanged with proposed: true.")
def update_article(article_id, body):
    article = _article_or_404(article_id)
    draft = knowledge.ArticleDraft(body.get("title", article.title),
                                   body.get("body_markdown", article.body_markdown),
                                   body.get("tags", _tags(article)), body["summary"])
    with api_action():
        revision = knowledge.edit_article(db.session, article, current_member(), draft)
        proposed = revision.status == "pending"
    return jsonify(article_json(article, proposed=proposed)), 202 if proposed else 200


@endpoint(bp, "/articles/<int:article_id>/revisions", "GET", summary="An article's history",
          tag="toolbox", response=array_of("Revision"),
          description="Every accepted revision, newest first.")
def article_revisions(article_id):
    article = _article_or_404(article_id)
    return jsonify([{"revision": r.number, "author_id": r.author_id,
                     "created_at": format_instant(r.created_at), "summary": r.summary}
                    for r in knowledge.revisions(db.session, article.id)])


@endpoint(bp, "/articles/<int:article_id>/revisions/<int:revision>/restore", "POST",
          summary="Restore a revision", tag="toolbox", response=ref("Article"),
          errors=(403,),
          description="A new revision equal to that one. 403 on a co-managers-only article "
                      "for a member.")
def restore_revision(article_id, revision):
    article = _article_or_404(article_id)
    if not knowledge.can_edit_directly(article, current_member()):
        raise ApiProblem(403)
    if knowledge.revision_by_number(db.session, article.id, revision) is None:
        raise ApiProblem(404)
    with api_action():
        knowledge.restore_revision(db.session, article, revision, current_member())
    return jsonify(article_json(article))


def answer_json(answer: KnowledgeAnswer) -> dict:
    return {"id": answer.id, "question_id": answer.question_id, "author_id": answer.author_id,
            "body": answer.body, "accepted": answer.accepted,
            "created_at": format_instant(answer.created_at)}


def question_json(question: KnowledgeQuestion) -> dict:
    return {"id": question.id, "title": question.title, "body": question.body,
            "article_id": question.article_id, "asker_id": question.asker_id,
            "answered": question.answered, "created_at": format_instant(question.created_at),
            "answers": [answer_json(a) for a in question.answers]}


@endpoint(bp, "/questions", "GET", summary="Questions", tag="toolbox",
          response=ref("QuestionList"),
          description="The latest 50 questions with their answers; open=true lists those "
                      "still waiting for an answer that helped, oldest first.",
          query=[query_param("open", {"type": "boolean"}, "true: unanswered only.")])
def list_questions(query):
    found = (knowledge.open_questions(db.session, limit=50) if query["open"]
             else knowledge.recent_questions(db.session, limit=50))
    return jsonify({"items": [question_json(q) for q in found]})


@endpoint(bp, "/questions", "POST", summary="Ask a question", tag="toolbox", status=201,
          body=ref("QuestionCreate"), response=ref("KnowledgeQuestion"),
          description="On an article (article_id) or in general.")
def ask_question(body):
    article = _known_article(body["article_id"], "article_id") if "article_id" in body else None
    with api_action():
        question = knowledge.ask_question(db.session, current_member(), body["title"],
                                          body.get("body", ""), article)
    return jsonify(question_json(question)), 201


@endpoint(bp, "/questions/<int:question_id>/answers", "POST", summary="Answer a question",
          tag="toolbox", status=201, body=ref("AnswerCreate"), response=ref("KnowledgeAnswer"))
def answer_question(question_id, body):
    question = get_object(KnowledgeQuestion, question_id)
    with api_action():
        answer = knowledge.answer_question(db.session, question, current_member(),
                                           body["body"])
    return jsonify(answer_json(answer)), 201


@endpoint(bp, "/answers/<int:answer_id>/accept", "POST", summary="Mark the answer that helped",
          tag="toolbox", response=ref("KnowledgeAnswer"), errors=(403,),
          description="The asker only (403 for anyone else).")
def accept_answer(answer_id):
    answer = get_object(KnowledgeAnswer, answer_id)
    if answer.question.asker_id != current_member().id:
        raise ApiProblem(403)
    with api_action():
        knowledge.accept_answer(db.session, answer, current_member())
    return jsonify(answer_json(answer))
