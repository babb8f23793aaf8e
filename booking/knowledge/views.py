"""Toolbox pages: the front page and search, reading, writing, ticking a checklist, files.
History and proposals are in history_views, questions in question_views."""
from __future__ import annotations

from pathlib import Path

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..actions import user_action
from ..domain import knowledge
from ..domain.attachments import MAX_BYTES
from ..domain.spaces import active_spaces
from ..extensions import db
from ..forms import EmptyForm, choices
from ..models import ArticleAttachment
from . import history_views, question_views  # noqa: F401  (their routes are on bp)
from .blueprint import bp, visible_article
from .forms import KIND_LABELS, LANGUAGE_LABELS, ArticleForm, AttachmentForm, SearchForm

__all__ = ["bp"]


def files_folder() -> Path:
    return Path(current_app.instance_path) / "toolbox"


@bp.route("/")
@login_required
def index():
    form = SearchForm(request.args)
    searching = any(request.args.get(k) for k in ("q", "tag", "lang", "kind"))
    hits = []
    if searching and form.validate():
        hits = knowledge.search_articles(
            db.session, form.q.data or "", tag=form.tag.data or None,
            lang=form.lang.data or None, kind=form.kind.data or None, limit=30)
    return render_template(
        "knowledge/index.html", form=form, searching=searching, hits=hits,
        recent=[] if searching else knowledge.recent_articles(db.session, limit=10),
        popular=[] if searching else knowledge.popular_articles(db.session, limit=5),
        tags=knowledge.tag_counts(db.session),
        questions=[] if searching else knowledge.open_questions(db.session, limit=10),
        kind_labels=KIND_LABELS, language_labels=LANGUAGE_LABELS)


def _space_choices(form: ArticleForm, article=None) -> None:
    """Co-managers may make an article a space's guide: the active spaces (and the one it
    guides already, even archived), or none."""
    spaces = [(s.id, s.name) for s in active_spaces(db.session)]
    if article is not None and article.space_id and article.space_id not in dict(spaces):
        spaces.append((article.space_id, _("Space no longer taking bookings")))
    form.space_id.choices = choices([(0, _("No space")), *spaces])


def _draft(form: ArticleForm) -> knowledge.ArticleDraft:
    return knowledge.ArticleDraft(form.title.data or "", form.body_markdown.data or "",
                                  knowledge.clean_tags(form.tags.data or ""),
                                  form.summary.data or "")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_article():
    form = ArticleForm()
    _space_choices(form)
    original = None
    source_id = request.args.get("translation_of", type=int) or (
        int(form.translation_of.data) if (form.translation_of.data or "").isdigit() else None)
    if source_id:
        original = visible_article(source_id)
    if request.method == "GET":
        form.lang.data = str(get_locale())
        if original is not None:
            form.translation_of.data = str(original.id)
            form.kind.data = original.kind
            form.tags.data = ", ".join(t.name for t in original.tags)
            form.body_markdown.data = original.body_markdown
    if form.validate_on_submit():
        with user_action(_("Article saved."), form.title) as done:
            article = knowledge.create_article(
                db.session, current_user, _draft(form), lang=form.lang.data,
                kind=form.kind.data,
                comanagers_only=bool(form.comanagers_only.data) and current_user.is_comanager,
                translation_of=original,
                space_id=(form.space_id.data or None) if current_user.is_comanager else None)
        if done:
            return redirect(url_for("knowledge.article", article_id=article.id))
    return render_template("knowledge/edit.html", form=form, article=None, original=original)


@bp.route("/<int:article_id>")
@login_required
def article(article_id: int):
    item = visible_article(article_id)
    knowledge.count_view(db.session, item)
    db.session.commit()
    tasks = knowledge.task_items(item.body_markdown) if item.kind == "checklist" else []
    return render_template(
        "knowledge/article.html", article=item, body=knowledge.body_html(item), tasks=tasks,
        ticks=knowledge.ticks_of(db.session, item, current_user) if tasks else set(),
        translations=knowledge.translations(db.session, item),
        related=knowledge.related_articles(db.session, item),
        questions=knowledge.questions_on(db.session, item.id),
        may_edit=knowledge.can_edit_directly(item, current_user),
        kind_labels=KIND_LABELS, language_labels=LANGUAGE_LABELS,
        attachment_form=AttachmentForm(), form=EmptyForm())


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@login_required
def edit_article(article_id: int):
    item = visible_article(article_id)
    form = ArticleForm(obj=item if request.method == "GET" else None)
    _space_choices(form, item)
    if request.method == "GET":
        form.tags.data = ", ".join(t.name for t in item.tags)
        form.summary.data = ""
        form.space_id.data = item.space_id or 0
    form.lang.data, form.kind.data = item.lang, item.kind  # fixed once written
    if form.validate_on_submit():
        direct = knowledge.can_edit_directly(item, current_user)
        message = _("Article saved.") if direct else _(
            "Your change is proposed: a co-manager will read it and accept it.")
        with user_action(message, form.summary) as done:
            knowledge.edit_article(db.session, item, current_user, _draft(form))
            if current_user.is_comanager:
                knowledge.set_comanagers_only(db.session, item, current_user,
                                              bool(form.comanagers_only.data))
                knowledge.set_space_guide(db.session, item, current_user,
                                          form.space_id.data or None)
        if done:
            return redirect(url_for("knowledge.article", article_id=item.id))
    return render_template("knowledge/edit.html", form=form, article=item, original=None,
                           direct=knowledge.can_edit_directly(item, current_user))


@bp.route("/<int:article_id>/ticks", methods=["POST"])
@login_required
def save_ticks(article_id: int):
    item = visible_article(article_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    ticked = {int(v) for v in request.form.getlist("done") if v.isdigit() and len(v) < 6}
    with user_action(_("Your ticks are saved.")):
        knowledge.save_ticks(db.session, item, current_user, ticked)
    return redirect(url_for("knowledge.article", article_id=item.id) + "#checklist")


@bp.route("/<int:article_id>/hide", methods=["POST"])
@login_required
def hide(article_id: int):
    item = visible_article(article_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    hidden = request.form.get("hidden", "1") == "1"
    with user_action(_("Article removed. Co-managers can bring it back.") if hidden
                     else _("Article restored.")) as done:
        knowledge.set_hidden(db.session, item, current_user, hidden)
    if done and hidden:
        return redirect(url_for("knowledge.index"))
    return redirect(url_for("knowledge.article", article_id=item.id))


@bp.route("/removed")
@login_required
def removed():
    if not knowledge.can_manage(current_user):
        abort(403)
    return render_template("knowledge/removed.html",
                           articles=knowledge.hidden_articles(db.session))


@bp.route("/<int:article_id>/attachments", methods=["POST"])
@login_required
def add_attachment(article_id: int):
    item = visible_article(article_id)
    form = AttachmentForm()
    if not form.validate_on_submit() or not form.file.data:
        return redirect(url_for("knowledge.article", article_id=item.id))
    upload = form.file.data
    with user_action(_("File added.")):
        knowledge.add_attachment(db.session, item, current_user, upload.filename or "",
                                 upload.read(MAX_BYTES + 1), files_folder())
    return redirect(url_for("knowledge.article", article_id=item.id))


@bp.route("/files/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment = db.get_or_404(ArticleAttachment, attachment_id)
    visible_article(attachment.article_id)
    response = send_from_directory(files_folder(), attachment.stored_file,
                                   mimetype=attachment.media_type, as_attachment=True,
                                   download_name=attachment.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
