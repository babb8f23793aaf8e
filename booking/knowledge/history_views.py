"""An article's history: the revisions, the differences between two, restoring one; and the
proposed edits co-managers accept or decline."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..actions import user_action
from ..domain import knowledge
from ..extensions import db
from ..forms import EmptyForm
from ..models import ArticleRevision
from .blueprint import bp, visible_article


@bp.route("/<int:article_id>/history")
@login_required
def history(article_id: int):
    item = visible_article(article_id)
    return render_template("knowledge/history.html", article=item,
                           revisions=knowledge.revisions(db.session, item.id),
                           proposals=knowledge.pending_proposals(db.session, item.id),
                           may_restore=knowledge.can_edit_directly(item, current_user),
                           form=EmptyForm())


@bp.route("/<int:article_id>/diff")
@login_required
def diff(article_id: int):
    item = visible_article(article_id)
    old_number = request.args.get("a", type=int) or max(item.revision - 1, 1)
    new_number = request.args.get("b", type=int) or item.revision
    old = knowledge.revision_by_number(db.session, item.id, old_number)
    new = knowledge.revision_by_number(db.session, item.id, new_number)
    if old is None or new is None:
        abort(404)
    return render_template("knowledge/diff.html", article=item, old=old, new=new,
                           title_pieces=knowledge.word_diff(old.title, new.title),
                           pieces=knowledge.word_diff(old.body_markdown, new.body_markdown),
                           numbers=range(1, item.revision + 1))


@bp.route("/<int:article_id>/revisions/<int:number>/restore", methods=["POST"])
@login_required
def restore(article_id: int, number: int):
    item = visible_article(article_id)
    if not knowledge.can_edit_directly(item, current_user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_action(_("Revision %(number)d restored as a new revision.", number=number)):
        knowledge.restore_revision(db.session, item, number, current_user)
    return redirect(url_for("knowledge.history", article_id=item.id))


@bp.route("/proposals")
@login_required
def proposals():
    if not knowledge.can_manage(current_user):
        abort(403)
    waiting = knowledge.pending_proposals(db.session)
    return render_template(
        "knowledge/proposals.html", proposals=waiting, form=EmptyForm(),
        stale={p.id for p in waiting if knowledge.is_stale(p)},
        diffs={p.id: knowledge.word_diff(knowledge.proposal_base_text(db.session, p),
                                         p.body_markdown) for p in waiting})


@bp.route("/proposals/<int:proposal_id>/<any(accept, decline):decision>", methods=["POST"])
@login_required
def decide(proposal_id: int, decision: str):
    if not knowledge.can_manage(current_user):
        abort(403)
    proposal = db.get_or_404(ArticleRevision, proposal_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    accept = decision == "accept"
    with user_action(_("Proposal accepted: it is now the article's text.") if accept
                     else _("Proposal declined.")):
        knowledge.decide_proposal(db.session, proposal, current_user, accept)
    return redirect(url_for("knowledge.proposals"))
