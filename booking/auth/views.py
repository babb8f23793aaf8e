"""Signing in and out, invitations, password resets and the member's own profile."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import clock
from ..actions import user_action
from ..domain import accounts, api_tokens
from ..domain.errors import DomainError
from ..extensions import db, limiter
from ..forms import EmptyForm, choices
from ..mail import send_mail
from ..models import Organisation
from .forms import (
    ApiTokenForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
)
from .tokens import make_token, read_token

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        member = accounts.authenticate(db.session, form.email.data, form.password.data)
        if member is None:
            form.password.errors.append(
                _("Email or password incorrect, or the account is deactivated. "
                  "Check them, or use “Forgot your password?”."))
        else:
            db.session.commit()
            login_user(member, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        member = accounts.find_member_by_email(db.session, form.email.data)
        if member is not None and member.active:
            link = current_app.config["BASE_URL"] + url_for(
                "auth.reset_password", token=make_token(member, "reset"))
            send_mail(member.email, _("Choose a new password"), _(
                "Hello %(name)s,\n\nTo choose a new password, open this link within %(hours)d "
                "hours:\n%(link)s\n\nIf you did not ask for it, ignore this message.",
                name=member.name, hours=current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"],
                link=link))
        # The same answer either way, so the form does not tell who is a member.
        flash(_("If this address belongs to a member, a link to choose a new password is on "
                "its way. Check your mailbox."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def _set_password_page(token: str, purpose: str, max_age: int, title, done_message):
    member = read_token(token, purpose, max_age)
    if member is None:
        return render_template("auth/token_invalid.html", purpose=purpose), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        with user_action(done_message, form.password) as done:
            accounts.choose_password(db.session, member, form.password.data, purpose=purpose,
                                     method=current_app.config["PASSWORD_HASH_METHOD"])
        if done:
            login_user(member)
            return redirect(url_for("main.dashboard"))
    return render_template("auth/set_password.html", form=form, title=title, member=member)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page(
        token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"] * 3600,
        _l("Choose a new password"), _l("Your new password is saved."))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_page(
        token, "invite", current_app.config["INVITATION_MAX_AGE_DAYS"] * 86400,
        _l("Welcome! Choose your password"), _l("Welcome! Your account is ready."))


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = _profile_form(ProfileForm(obj=current_user), fill=request.method == "GET")
    if form.validate_on_submit():
        with user_action(_("Your profile is saved."), form.email) as done:
            accounts.update_profile(
                db.session, current_user, name=form.name.data, email=form.email.data,
                phone=form.phone.data or "", organisation_id=form.organisation_id.data or None,
                locale=form.locale.data or None)
        if done:
            return redirect(url_for("auth.profile"))
    return _profile_page(form)


def _profile_form(form: ProfileForm, fill: bool) -> ProfileForm:
    organisations = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars()
    form.organisation_id.choices = choices(
        [(0, _("None"))] + [(o.id, o.name) for o in organisations])
    if fill:
        form.organisation_id.data = current_user.organisation_id or 0
        form.locale.data = current_user.locale or ""
    return form


def _profile_page(form: ProfileForm, token_form: ApiTokenForm | None = None,
                  new_token: str | None = None):
    return render_template("auth/profile.html", form=form,
                           token_form=token_form or ApiTokenForm(),
                           tokens=api_tokens.member_tokens(db.session, current_user),
                           new_token=new_token, revoke_form=EmptyForm())


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
    form = _profile_form(ProfileForm(obj=current_user, formdata=None), fill=True)
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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with user_action(_("Your new password is saved."), form.current) as done:
            accounts.change_password(current_user, form.current.data, form.password.data,
                                     current_app.config["PASSWORD_HASH_METHOD"])
        if done:
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
def choose_language():
    """The language switcher in the footer, for people not signed in (and as a quick switch)."""
    lang = request.form.get("lang")
    if EmptyForm().validate_on_submit() and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            accounts.set_locale(current_user, lang)
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
