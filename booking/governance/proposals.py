"""The proposal pages: list, propose, read and vote, comment, close early, plan the expense,
mark done; the cooperative's rules of decision; the roadmap."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..actions import user_action
from ..domain import governance
from ..domain.markdown import render_markdown
from ..domain.periods import add_months, month_start
from ..domain.survey import translated
from ..extensions import db
from ..forms import EmptyForm, choices
from ..models.governance import HORIZONS
from ..security import role_required
from ..timezones import current_tz, from_local, to_local
from .forms import CommentForm, PlanForm, ProposalForm, SettingsForm
from .views import bp

LIST_STATUSES = ("open", "adopted", "rejected", "no_quorum", "done")


def _proposal_or_404(proposal_id: int):
    proposal = governance.load_proposal(db.session, proposal_id)
    if proposal is None:
        abort(404)
    if governance.close_if_due(db.session, proposal, clock.now()):
        db.session.commit()  # closing on read: a late job cannot keep it open
    return proposal


def _close_due() -> None:
    """Closing is computed on read too, so a late job cannot keep a proposal open."""
    if governance.close_due_proposals(db.session, clock.now()):
        db.session.commit()


@bp.route("/proposals")
@login_required
def proposals():
    status = request.args.get("status") if request.args.get("status") in LIST_STATUSES else None
    horizon = request.args.get("horizon") if request.args.get("horizon") in HORIZONS else None
    _close_due()
    listing = governance.proposals_listing(db.session, status=status, horizon=horizon)
    return render_template("governance/proposals.html", proposals=listing, status=status,
                           horizon=horizon, statuses=LIST_STATUSES, horizons=HORIZONS,
                           votes=governance.my_votes(db.session, listing, current_user),
                           may_propose=governance.may_propose(db.session, current_user))


def _question_choices() -> list:
    locale = str(get_locale())
    return choices((q.id, f"{translated(q.survey.title, locale)} — {translated(q.text, locale)}")
                   for q in governance.linkable_survey_questions(db.session))


@bp.route("/proposals/new", methods=["GET", "POST"])
@login_required
def new_proposal():
    if not governance.may_propose(db.session, current_user):
        abort(403)
    defaults = governance.governance_settings(db.session)
    form = ProposalForm(obj=defaults if request.method == "GET" else None)
    form.survey_questions.choices = _question_choices()
    if form.validate_on_submit():
        draft = governance.ProposalDraft(
            title=form.title.data, body_markdown=form.body_markdown.data or "",
            kind=form.kind.data, horizon=form.horizon.data,
            closes_at=from_local(form.closes_at.data), options=(form.options.data or "")
            .splitlines(), estimated_cost_cents=getattr(form.estimated_cost, "cents", None),
            multiple=form.multiple.data, voters=form.voters.data,
            quorum_percent=form.quorum_percent.data, threshold=form.threshold.data,
            anonymous=form.anonymous.data, results_before_close=form.results_before_close.data,
            votes_changeable=form.votes_changeable.data,
            survey_question_ids=tuple(form.survey_questions.data or ()))
        with user_action(_("Proposal opened."), form.title) as done:
            proposal = governance.create_proposal(db.session, author=current_user,
                                                  draft=draft, now=clock.now())
        if done:
            return redirect(url_for("governance.proposal", proposal_id=proposal.id))
    return render_template("governance/proposal_form.html", form=form)


@bp.route("/proposals/<int:proposal_id>")
@login_required
def proposal(proposal_id: int):
    found = _proposal_or_404(proposal_id)
    mine = governance.my_votes(db.session, [found], current_user)[found.id]
    live = (governance.tally(db.session, found)
            if found.status == "open" and found.results_before_close else None)
    first = add_months(month_start(to_local(clock.now(), current_tz()).date()), 1)
    return render_template(
        "governance/proposal.html", proposal=found, body=render_markdown(found.body_markdown),
        mine=mine, live=live, counts_visible=governance.counts_visible(found),
        may_vote=found.status == "open" and governance.may_vote(found, current_user),
        comments=governance.comments_of(db.session, found), comment_form=CommentForm(),
        reasons=(governance.block_reasons(db.session, found)
                 if governance.counts_visible(found) else []),
        plan_form=PlanForm(first_month=first.strftime("%Y-%m")),
        eligible=(governance.eligible_count(db.session, found.voters) if live else None))


def _ballot_from_form(proposal) -> dict:
    """The vote as the domain takes it, from the form's radio buttons, boxes or scores."""
    if proposal.kind in ("consent", "majority"):
        return {"choice": request.form.get("choice")}
    if proposal.kind == "score":
        scores = [request.form.get(f"score-{o.position}", "") for o in proposal.options]
        return {"scores": [int(s) if s.isdigit() else -1 for s in scores]}
    chosen = [int(v) for v in request.form.getlist("option") if v.isdigit()]
    return {"choice": chosen if proposal.multiple else (chosen[0] if chosen else None)}


@bp.route("/proposals/<int:proposal_id>/vote", methods=["POST"])
@login_required
def vote(proposal_id: int):
    found = _proposal_or_404(proposal_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not governance.may_vote(found, current_user):
        abort(403)
    with user_action(_("Your vote is recorded.")):
        governance.cast_vote(db.session, found, current_user, **_ballot_from_form(found),
                             reason=request.form.get("reason", ""), now=clock.now())
    return redirect(url_for("governance.proposal", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/comments", methods=["POST"])
@login_required
def comment(proposal_id: int):
    found = _proposal_or_404(proposal_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Write your comment (at most 5,000 characters)."), "error")
    else:
        with user_action(_("Comment added.")):
            governance.add_comment(db.session, found, author=current_user,
                                   stance=form.stance.data, body=form.body.data,
                                   now=clock.now())
    return redirect(url_for("governance.proposal", proposal_id=proposal_id) + "#comments")


@bp.route("/proposals/<int:proposal_id>/close", methods=["POST"])
@role_required("comanager")
def close(proposal_id: int):
    found = _proposal_or_404(proposal_id)
    with user_action(_("The proposal is closed.")):
        governance.close_proposal(db.session, found, actor=current_user, now=clock.now())
    return redirect(url_for("governance.proposal", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/done", methods=["POST"])
@role_required("comanager")
def done(proposal_id: int):
    found = _proposal_or_404(proposal_id)
    with user_action(_("Marked as done.")):
        governance.mark_done(db.session, found, actor=current_user, now=clock.now())
    return redirect(url_for("governance.proposal", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/plan", methods=["POST"])
@role_required("comanager")
def plan(proposal_id: int):
    found = _proposal_or_404(proposal_id)
    form = PlanForm()
    first = None
    if form.validate_on_submit():
        try:
            year, month = (int(part) for part in form.first_month.data.split("-"))
            first = date(year, month, 1)
        except ValueError:
            first = None
    if first is None:
        flash(_("The period must be a month such as 2026-11."), "error")
        return redirect(url_for("governance.proposal", proposal_id=proposal_id))
    with user_action(_("Planned expense created: allocate it from the costs page when due.")):
        governance.plan_expense(db.session, found, actor=current_user, first_month=first,
                                spread_months=form.spread_months.data)
    return redirect(url_for("governance.proposal", proposal_id=proposal_id))


@bp.route("/proposals/settings", methods=["GET", "POST"])
@role_required("comanager")
def settings():
    current = governance.governance_settings(db.session)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        with user_action(_("Settings saved.")) as saved:
            governance.update_settings(
                db.session, actor=current_user, proposers=form.proposers.data,
                voters=form.voters.data, quorum_percent=form.quorum_percent.data,
                threshold=form.threshold.data, anonymous=form.anonymous.data,
                results_before_close=form.results_before_close.data,
                votes_changeable=form.votes_changeable.data)
        if saved:
            return redirect(url_for("governance.proposals"))
    return render_template("governance/settings.html", form=form)


@bp.route("/roadmap")
@login_required
def roadmap():
    _close_due()
    columns = governance.roadmap(db.session)
    return render_template("governance/roadmap.html", columns=columns)
