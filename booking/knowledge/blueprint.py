"""The toolbox blueprint and what its pages share: loading an article the reader may see."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from ..domain import knowledge
from ..extensions import db
from ..models import Article

bp = Blueprint("knowledge", __name__, url_prefix="/toolbox")


def visible_article(article_id: int) -> Article:
    """The article with its tags and files, or 404 (also when hidden, except to co-managers)."""
    article = knowledge.article_page(db.session, article_id)
    if article is None or not knowledge.can_see(article, current_user):
        abort(404)
    return article


@bp.app_template_filter("markdown")
def markdown_filter(text: str):
    """Members' Markdown (questions, answers) rendered and sanitised."""
    from ..domain.markdown import render_markdown

    return render_markdown(text)
