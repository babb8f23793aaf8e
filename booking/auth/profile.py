"""The member's own profile: details, e-mail change by confirmation link, asking to join an
organisation, API tokens, and signing out every device."""
from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from .. import clock
from ..actions import user_action
from ..domain import accounts, api_tokens, email_change, organisation_requests
from ..domain.errors import DomainError
from ..extensions import db
from ..forms import EmptyForm, choices
from ..mail import send_mail
from ..models import Organisation
from .forms import ApiTokenForm, JoinOrganisationForm, ProfileForm
from .tokens import make_email_change_token, read_email_change_token
from .views import bp


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        new_email = None
        with user_action(error_field=form.email) as done:
            accounts.update_profile(db.session, current_user, name=form.name.data,
                                    phone=form.phone.data or "",
                                    locale=form.locale.data or None)
            new_email = email_change.request_email_change(
                db.session, current_user, form.email.data, form.current_password.data or "",
                current_app.config["PASSWORD_HASH_METHOD"])
        if done:
            if new_email:
                _send_email_change_mails(new_email)
                flash(_("Your profile is saved. To use %(email)s, open the link we sent "
                        "there: until then, sign in with %(old)s.",
                        email=new_email, old=current_user.email), "info")
            else:
                flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile"))
        if isinstance(done.error, accounts.WrongPassword):  # said next to the password
            form.email.errors.remove(str(done.error))
            form.current_password.errors = [str(done.error)]
    return _profile_page(form)


def _send_email_change_mails(new_email: str) -> None:
    link = current_app.config["BASE_URL"] + url_for(
        "auth.confirm_email", token=make_email_change_token(current_user, new_email))
    send_mail(new_email, _("Confirm your new email address"), _(
        "Hello %(name)s,\n\nTo sign in with this address from now on, open this link within "
        "48 hours:\n%(link)s\n\nIf you did not ask for it, ignore this message.",
        name=current_user.name, link=link))
    send_mail(current_user.email, _("Your email address is being changed"), _(
        "Hello %(name)s,\n\nSomeone signed in to your account asked to use %(email)s instead "
        "of this address. It changes once the link sent there is opened.\n\nIf it was not "
        "you, change your password now and tell a co-manager.",
        name=current_user.name, email=new_email))


@bp.route("/account/email/<token>")
def confirm_email(token: str):
    found = read_email_change_token(token)
    if found is None:
        return render_template("auth/token_invalid.html", purpose="email"), 400
    member, email = found
    with user_action(_("Your email address is now %(email)s.", email=email)) as done:
        email_change.confirm_email_change(db.session, member, email)
    if not done:
        return render_template("auth/token_invalid.html", purpose="email"), 400
    return redirect(url_for("auth.profile" if current_user.is_authenticated else "auth.login"))


@bp.route("/account/organisation", methods=["POST"])
@login_required
def ask_to_join():
    form = _join_form()
    if form.validate_on_submit():
        with user_action(_("Your request is sent: a co-manager will answer it.")):
            organisation_requests.ask_to_join(db.session, current_user, form.organisation_id.data)
    else:
        flash(_("Choose an organisation from the list."), "error")
    return redirect(url_for("auth.profile"))


@bp.route("/account/organisation/cancel", methods=["POST"])
@login_required
def cancel_join_request():
    if not EmptyForm().validate_on_submit():
        abort(400)
    organisation_requests.cancel_request(db.session, current_user)
    db.session.commit()
    flash(_("Your request is withdrawn."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """Ends every session and remember-me cookie of the member, this one included."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    accounts.sign_out_everywhere(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out on every device. Sign in again here."), "success")
    return redirect(url_for("auth.login"))


def _join_form() -> JoinOrganisationForm:
    form = JoinOrganisationForm()
    organisations = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars()
    form.organisation_id.choices = choices(
        [(o.id, o.name) for o in organisations if o.id != current_user.organisation_id])
    return form


def _profile_page(form: ProfileForm, token_form: ApiTokenForm | None = None,
                  new_token: str | None = None):
    return render_template("auth/profile.html", form=form,
                           token_form=token_form or ApiTokenForm(),
                           tokens=api_tokens.member_tokens(db.session, current_user),
                           new_token=new_token, revoke_form=EmptyForm(),
                           join_form=_join_form(),
                           join_request=organisation_requests.pending_request(
                               db.session, current_user))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_api_token():
    """Create a personal access token; it is shown on this answer only, never again."""
    token_form = ApiTokenForm()
    new_token = None
    if token_form.validate_on_submit():
        with user_action(error_field=token_form.name) as done:
            _token, new_token = api_tokens.create_token(db.session, current_user,
                                                        token_form.name.data, clock.now())
        if done:
            token_form = ApiTokenForm(formdata=None)
    form = ProfileForm(obj=current_user, formdata=None)
    form.locale.data = current_user.locale or ""
    response = make_response(_profile_page(form, token_form, new_token))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        token = api_tokens.revoke_token(db.session, current_user, token_id, clock.now())
    except DomainError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("auth.profile"))
