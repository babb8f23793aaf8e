"""Questions and answers: asking, answering, marking the answer that helped, and adding an
answered question to an article."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..actions import user_action
from ..domain import knowledge
from ..extensions import db
from ..forms import EmptyForm, choices
from ..models import KnowledgeAnswer
from .blueprint import bp, visible_article
from .forms import AddToArticleForm, AnswerForm, QuestionForm


@bp.route("/questions")
@login_required
def questions():
    return render_template("knowledge/questions.html",
                           open_questions=knowledge.open_questions(db.session, limit=100),
                           recent=knowledge.recent_questions(db.session, limit=50))


@bp.route("/questions/new", methods=["GET", "POST"])
@login_required
def ask():
    form = QuestionForm()
    article_id = request.args.get("article", type=int) or (
        int(form.article_id.data) if (form.article_id.data or "").isdigit() else None)
    article = visible_article(article_id) if article_id else None
    if request.method == "GET" and article is not None:
        form.article_id.data = str(article.id)
    if form.validate_on_submit():
        with user_action(_("Question asked. You will see the answers here."),
                         form.title) as done:
            question = knowledge.ask_question(db.session, current_user, form.title.data,
                                              form.body.data or "", article)
        if done:
            return redirect(url_for("knowledge.question", question_id=question.id))
    return render_template("knowledge/ask.html", form=form, article=article)


def _add_form(question) -> AddToArticleForm:
    form = AddToArticleForm()
    articles = knowledge.recent_articles(db.session, limit=50)
    pairs = [(a.id, a.title) for a in articles]
    if question.article is not None and question.article_id not in dict(pairs):
        pairs.insert(0, (question.article.id, question.article.title))
    form.article_id.choices = choices(pairs)
    if request.method == "GET" and question.article_id:
        form.article_id.data = question.article_id
    return form


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def question(question_id: int):
    item = knowledge.question_with_answers(db.session, question_id)
    if item is None:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        with user_action(_("Thank you for your answer."), form.body) as done:
            knowledge.answer_question(db.session, item, current_user, form.body.data)
        if done:
            return redirect(url_for("knowledge.question", question_id=item.id))
    return render_template("knowledge/question.html", question=item, form=form,
                           add_form=_add_form(item), button_form=EmptyForm())


@bp.route("/answers/<int:answer_id>/accept", methods=["POST"])
@login_required
def accept(answer_id: int):
    answer = db.get_or_404(KnowledgeAnswer, answer_id)
    if answer.question.asker_id != current_user.id:
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_action(_("Marked as the answer that helped.")):
        knowledge.accept_answer(db.session, answer, current_user)
    return redirect(url_for("knowledge.question", question_id=answer.question_id))


@bp.route("/questions/<int:question_id>/to-article", methods=["POST"])
@login_required
def add_to_article(question_id: int):
    item = knowledge.question_with_answers(db.session, question_id)
    if item is None:
        abort(404)
    form = _add_form(item)
    if not form.validate_on_submit():
        abort(400)
    target = visible_article(form.article_id.data)
    with user_action(_("The question and its answer were added to the article.")) as done:
        knowledge.add_to_article(db.session, item, target, current_user)
    if done:
        return redirect(url_for("knowledge.article", article_id=target.id))
    return redirect(url_for("knowledge.question", question_id=item.id))
