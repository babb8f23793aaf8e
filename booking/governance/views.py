"""The charter's pages: read and accept it, its versions and what changed, publishing a new
version and who accepted which (co-managers). Proposals and the roadmap are in `proposals`."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..actions import user_action
from ..domain import governance
from ..domain.markdown import render_markdown
from ..extensions import db
from ..formatting import CENTS, format_decimal
from ..forms import parse_decimal
from ..security import role_required
from .forms import AcceptForm, CharterForm

bp = Blueprint("governance", __name__)


@bp.app_template_global()
def charter_to_accept() -> bool:
    """For the booking form's notice: the signed-in member still has the charter to accept."""
    return current_user.is_authenticated and not governance.has_accepted(db.session,
                                                                         current_user)


@bp.route("/charter")
@login_required
def charter():
    version = governance.current_version(db.session)
    if version is None:
        return render_template("governance/charter_empty.html")
    return render_template(
        "governance/charter.html", version=version, form=AcceptForm(version=version.number),
        body=render_markdown(version.body_markdown),
        accepted=governance.has_accepted(db.session, current_user),
        accepted_number=governance.accepted_number(db.session, current_user.id),
        deposit_asked=governance.deposit_asked(version, current_user),
        deposit_held=governance.deposit_held(db.session, current_user.id),
        versions=governance.all_versions(db.session))


@bp.route("/charter/accept", methods=["POST"])
@login_required
def accept():
    form = AcceptForm()
    if not form.validate_on_submit() or not (form.version.data or "").isdigit():
        abort(400)
    with user_action(_("Thank you: you have accepted the charter.")):
        governance.accept_charter(db.session, member=current_user,
                                  number=int(form.version.data), now=clock.now())
    return redirect(url_for("governance.charter"))


@bp.route("/charter/versions/<int:number>")
@login_required
def version(number: int):
    found = governance.version_by_number(db.session, number)
    if found is None:
        abort(404)
    return render_template("governance/version.html", version=found,
                           body=render_markdown(found.body_markdown),
                           diff=governance.version_diff(db.session, found))


@bp.route("/charter/new", methods=["GET", "POST"])
@role_required("comanager")
def publish():
    current = governance.current_version(db.session)
    form = CharterForm()
    plans = governance.plans_for_deposits(db.session)
    if request.method == "GET" and current is not None:
        form.body_markdown.data = current.body_markdown
        form.deposit_required_to_book.data = current.deposit_required_to_book
    asked = {d.plan_id: d.amount_cents for d in (current.deposits if current else [])}
    deposits, deposit_error = {}, None
    if request.method == "POST":
        for plan in plans:
            raw = (request.form.get(f"deposit-{plan.id}") or "").strip()
            value = parse_decimal(raw) if raw else 0
            if value is None or value < 0:
                deposit_error = _("Write an amount in euros, such as 120 or %(example)s.",
                                  example=format_decimal(120.5, CENTS))
            else:
                deposits[plan.id] = int(value * 100)
        asked = deposits
    if form.validate_on_submit() and deposit_error is None:
        with user_action(_("Charter published."), form.body_markdown) as done:
            governance.publish_charter(
                db.session, actor=current_user, body_markdown=form.body_markdown.data,
                summary=form.summary.data, requires_acceptance=form.requires_acceptance.data,
                deposit_required_to_book=form.deposit_required_to_book.data,
                deposits=deposits, now=clock.now())
        if done:
            return redirect(url_for("governance.charter"))
    return render_template("governance/charter_form.html", form=form, plans=plans,
                           asked=asked, deposit_error=deposit_error, current=current)


@bp.route("/charter/acceptances")
@role_required("comanager")
def acceptances():
    return render_template("governance/acceptances.html",
                           rows=governance.acceptance_overview(db.session),
                           current=governance.current_version(db.session),
                           required=governance.required_number(db.session))


from . import proposals  # noqa: E402, F401  (registers the proposal pages on `bp`)
