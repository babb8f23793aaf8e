"""JSON Schemas of the toolbox API (articles, revisions, questions), added to the shared
components so requests are checked and the OpenAPI document describes them."""
from __future__ import annotations

from ..domain.knowledge import KIND_ALIASES
from ..models.knowledge import ARTICLE_KINDS, ARTICLE_LANGUAGES
from .schemas import COMPONENTS, ID, INSTANT, NULLABLE_ID

TITLE = {"type": "string", "minLength": 1, "maxLength": 200}
BODY = {"type": "string", "maxLength": 200_000,
        "description": ("Markdown; task lists (- [ ]) are allowed. In body_html, raw HTML "
                       "and links keep only what cannot run or restyle: script, iframe, "
                       "style, event attributes and javascript:/data: addresses are "
                       "removed.")}
LANG = {"type": "string", "enum": list(ARTICLE_LANGUAGES)}
KIND = {"type": "string", "enum": list(ARTICLE_KINDS),
        "description": "guide, checklist, template, or address (an address book entry)."}
KIND_INPUT = {"type": "string", "enum": [*ARTICLE_KINDS, *KIND_ALIASES],
              "description": "guide, checklist, template, or address (an address book "
                             "entry; address_book, address-book and \"address book entry\" "
                             "are read as address, and answers say address)."}
TAGS = {"type": "array", "maxItems": 12,
        "items": {"type": "string", "minLength": 1, "maxLength": 40},
        "description": "Stored in lower case, without duplicates."}
SUMMARY = {"type": "string", "minLength": 1, "maxLength": 200,
           "description": "What changed, in a few words (shown in the history)."}
TEXT = {"type": "string", "minLength": 1, "maxLength": 20_000}

KNOWLEDGE_COMPONENTS: dict = {
    "ArticleSummary": {
        "type": "object",
        "required": ["id", "title", "lang", "kind", "tags", "updated_at", "excerpt",
                     "excerpt_html"],
        "properties": {"id": ID, "title": {"type": "string"}, "lang": LANG, "kind": KIND,
                       "tags": {"type": "array", "items": {"type": "string"}},
                       "updated_at": INSTANT,
                       "excerpt": {"type": "string",
                                   "description": "A passage around the words searched, "
                                                  "as plain text (the opening words "
                                                  "without q)."},
                       "excerpt_html": {"type": "string",
                                        "description": "The same passage as the page shows "
                                                       "it: HTML-escaped text, the words "
                                                       "found in <mark>."}},
    },
    "ArticleList": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/ArticleSummary"}}},
    },
    "Article": {
        "type": "object",
        "required": ["id", "title", "lang", "kind", "tags", "updated_at", "body_markdown",
                     "body_html", "revision", "comanagers_only", "author_id",
                     "translation_ids", "proposed"],
        "properties": {
            "id": ID, "title": {"type": "string"}, "lang": LANG, "kind": KIND,
            "tags": {"type": "array", "items": {"type": "string"}}, "updated_at": INSTANT,
            "body_markdown": {"type": "string"},
            "body_html": {"type": "string", "description": "Rendered and sanitised."},
            "revision": {"type": "integer", "minimum": 1},
            "comanagers_only": {"type": "boolean"}, "author_id": NULLABLE_ID,
            "translation_ids": {"type": "array", "items": ID},
            "proposed": {"type": "boolean",
                         "description": "true when a change was kept as a proposal for "
                                        "co-managers instead of a new revision."},
        },
    },
    "ArticleCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["title", "body_markdown", "lang", "kind"],
        "properties": {"title": TITLE, "body_markdown": BODY, "lang": LANG,
                       "kind": KIND_INPUT, "tags": TAGS, "translation_of": {**ID, "description":
                                                        "An article this one translates."}},
    },
    "ArticleUpdate": {
        "type": "object", "additionalProperties": False, "required": ["summary"],
        "properties": {"title": TITLE, "body_markdown": BODY, "tags": TAGS,
                       "summary": SUMMARY},
    },
    "Revision": {
        "type": "object", "required": ["revision", "author_id", "created_at", "summary"],
        "properties": {"revision": {"type": "integer", "minimum": 1},
                       "author_id": NULLABLE_ID, "created_at": INSTANT,
                       "summary": {"type": "string"}},
    },
    "KnowledgeAnswer": {
        "type": "object", "required": ["id", "question_id", "author_id", "body", "accepted",
                                       "created_at"],
        "properties": {"id": ID, "question_id": ID, "author_id": ID,
                       "body": {"type": "string"}, "accepted": {"type": "boolean"},
                       "created_at": INSTANT},
    },
    "KnowledgeQuestion": {
        "type": "object", "required": ["id", "title", "body", "article_id", "asker_id",
                                       "answered", "created_at", "answers"],
        "properties": {"id": ID, "title": {"type": "string"}, "body": {"type": "string"},
                       "article_id": NULLABLE_ID, "asker_id": ID,
                       "answered": {"type": "boolean"}, "created_at": INSTANT,
                       "answers": {"type": "array",
                                   "items": {"$ref": "#/components/schemas/KnowledgeAnswer"}}},
    },
    "QuestionList": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": {
            "$ref": "#/components/schemas/KnowledgeQuestion"}}},
    },
    "QuestionCreate": {
        "type": "object", "additionalProperties": False, "required": ["title"],
        "properties": {"title": TITLE, "body": {"type": "string", "maxLength": 20_000},
                       "article_id": ID},
    },
    "AnswerCreate": {
        "type": "object", "additionalProperties": False, "required": ["body"],
        "properties": {"body": TEXT},
    },
}
COMPONENTS.update(KNOWLEDGE_COMPONENTS)
