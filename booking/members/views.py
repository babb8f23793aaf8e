"""Co-managers' pages for members and organisations."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..actions import user_action
from ..auth.tokens import make_token
from ..domain import accounts, organisation_requests
from ..extensions import db
from ..forms import EmptyForm, choices
from ..mail import send_mail
from ..models import Member, Organisation, OrganisationJoinRequest, Plan
from ..security import role_required
from .forms import InviteForm, MemberForm, OrganisationForm

bp = Blueprint("members", __name__, url_prefix="/members")


def _fill_choices(form) -> None:
    plans = db.session.execute(select(Plan).order_by(Plan.name)).scalars()
    organisations = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars()
    form.plan_id.choices = choices([(0, _("No plan"))] + [(p.id, p.name) for p in plans])
    form.organisation_id.choices = choices(
        [(0, _("None"))] + [(o.id, o.name) for o in organisations])
    if not current_user.is_admin:
        form.role.choices = [c for c in form.role.choices if c.value != "admin"]


def _send_invitation(member: Member) -> None:
    link = current_app.config["BASE_URL"] + url_for(
        "auth.accept_invitation", token=make_token(member, "invite"))
    send_mail(member.email, _("Your invitation to %(coop)s", coop=_coop_name()), _(
        "Hello %(name)s,\n\n%(inviter)s invites you to book the pooled spaces of %(coop)s.\n"
        "Open this link within %(days)d days to choose your password:\n%(link)s\n",
        name=member.name, inviter=current_user.name, coop=_coop_name(),
        days=current_app.config["INVITATION_MAX_AGE_DAYS"], link=link))


def _coop_name() -> str:
    from ..i18n import cooperative_settings

    return cooperative_settings().name


@bp.route("/")
@role_required("comanager")
def list_members():
    search = request.args.get("q", "").strip()
    status = request.args.get("status", "active")
    page = db.paginate(accounts.members_query(search, status), per_page=50, error_out=False)
    return render_template("members/list.html", page=page, search=search, status=status)


@bp.route("/invite", methods=["GET", "POST"])
@role_required("comanager")
def invite():
    form = InviteForm()
    _fill_choices(form)
    if form.validate_on_submit():
        with user_action(error_field=form.email) as done:
            member = accounts.invite_member(
                db.session, current_user, email=form.email.data, name=form.name.data,
                role=form.role.data, plan_id=form.plan_id.data or None,
                organisation_id=form.organisation_id.data or None)
        if done:
            _send_invitation(member)
            flash(_("Invitation sent to %(email)s.", email=member.email), "success")
            return redirect(url_for("members.list_members"))
    return render_template("members/invite.html", form=form)


@bp.route("/<int:member_id>", methods=["GET", "POST"])
@role_required("comanager")
def edit(member_id: int):
    member = db.get_or_404(Member, member_id)
    form = MemberForm(obj=member)
    _fill_choices(form)
    if member.role == "admin" and not current_user.is_admin:
        form.role.choices = choices([("admin", _("Admin"))])
    if request.method == "GET":
        form.plan_id.data = member.plan_id or 0
        form.organisation_id.data = member.organisation_id or 0
    if form.validate_on_submit():
        with user_action(_("Changes to %(name)s saved.", name=member.name),
                         form.role) as done:
            accounts.update_membership(
                db.session, current_user, member, role=form.role.data,
                plan_id=form.plan_id.data or None,
                organisation_id=form.organisation_id.data or None, active=form.active.data,
                shares_override=form.shares_override.data)
        if done:
            return redirect(url_for("members.list_members"))
    return render_template("members/edit.html", form=form, member=member,
                           join_request=organisation_requests.pending_request(db.session, member))


@bp.route("/<int:member_id>/resend-invitation", methods=["POST"])
@role_required("comanager")
def resend_invitation(member_id: int):
    member = db.get_or_404(Member, member_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if member.has_password:
        flash(_("%(name)s has already chosen a password.", name=member.name), "info")
    else:
        _send_invitation(member)
        flash(_("Invitation sent to %(email)s.", email=member.email), "success")
    return redirect(url_for("members.edit", member_id=member.id))


@bp.route("/organisations", methods=["GET", "POST"])
@role_required("comanager")
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        with user_action(_("Organisation added."), form.name) as done:
            accounts.create_organisation(db.session, current_user, form.name.data,
                                         form.pays_for_members.data)
        if done:
            return redirect(url_for("members.organisations"))
    return render_template("members/organisations.html", form=form,
                           rows=accounts.organisations_with_member_counts(db.session),
                           join_requests=organisation_requests.pending_requests(db.session))


@bp.route("/join-requests/<int:request_id>/<any(approve, refuse):answer>", methods=["POST"])
@role_required("comanager")
def answer_join_request(request_id: int, answer: str):
    """Approve or refuse a member's request to join an organisation."""
    join_request = db.get_or_404(OrganisationJoinRequest, request_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    member, organisation = join_request.member, join_request.organisation
    message = (_("%(name)s now belongs to %(organisation)s.", name=member.name,
                 organisation=organisation.name) if answer == "approve"
               else _("The request of %(name)s to join %(organisation)s is refused.",
                      name=member.name, organisation=organisation.name))
    with user_action(message):
        organisation_requests.answer_request(db.session, current_user, join_request,
                                             approve=answer == "approve")
    if request.args.get("back") == "member":
        return redirect(url_for("members.edit", member_id=member.id))
    return redirect(url_for("members.organisations"))
