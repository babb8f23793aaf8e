"""Signing in and out, invitations and password resets (the profile pages: profile.py)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..actions import user_action
from ..domain import accounts
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..mail import send_mail
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from .tokens import make_token, read_token

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that is a path on this site.

    Browsers drop tabs and newlines and read a backslash as a slash, so "/<tab>/host" or
    "/\\host" would lead to another site: such characters are refused outright.
    """
    if target and is_local_path(target):
        return target
    return url_for("main.dashboard")


def is_local_path(target: str) -> bool:
    if any(ord(c) < 32 or ord(c) == 127 or c == "\\" for c in target):
        return False
    parts = urlsplit(target)
    return (target.startswith("/") and not target.startswith("//")
            and not parts.scheme and not parts.netloc)


def _login_account_key() -> str:
    """The rate-limit bucket of the e-mail being tried, whatever address tries it."""
    return "login-account:" + accounts.normalise_email(request.form.get("email") or "")[:254]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def keep_signed_in(member) -> None:
    """After the session version changed, sign this browser in again (the others stay out),
    with a new remember-me cookie if it had one."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(member, remember=remembered)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_login_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        member = accounts.authenticate(db.session, form.email.data, form.password.data,
                                       current_app.config["PASSWORD_HASH_METHOD"])
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
        if current_user.is_authenticated:
            # Copies of this session's cookies, and every other session, stop working too.
            accounts.sign_out_everywhere(current_user)
            db.session.commit()
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_login_account_key)
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
            keep_signed_in(member)
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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with user_action(_("Your new password is saved."), form.current) as done:
            accounts.change_password(current_user, form.current.data, form.password.data,
                                     current_app.config["PASSWORD_HASH_METHOD"])
        if done:
            keep_signed_in(current_user._get_current_object())
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


from . import profile  # noqa: E402, F401  (registers the profile pages on bp)
