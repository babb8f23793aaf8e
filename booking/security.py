"""Who may see what, and the HTTP headers every answer carries."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .extensions import db, login_manager

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors 'self'"
)


def role_required(role: str):
    """Refuse (403) anyone whose role ranks below `role`; send strangers to the login page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@login_manager.user_loader
def load_member(user_id: str):
    """The member of a session or remember-me cookie, if its session version is current.

    The id is "member id.session version" (Member.get_id): raising the version on logout,
    a password change or deactivation makes every copy of the old cookies worthless.
    """
    from .models import Member

    member_id, _, version = (user_id or "").partition(".")
    if not (member_id.isdigit() and version.isdigit()):
        return None
    member = db.session.get(Member, int(member_id))
    if member is None or not member.active or (member.session_version or 0) != int(version):
        return None  # a deactivated or signed-out member is signed out on the next request
    return member


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_COOKIE_DAYS"])

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY:
            # A view that allows other sites to frame it (survey embeds) says so in its own
            # frame-ancestors; the older header cannot name several sites.
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if "request_id" in g:
            response.headers.setdefault("X-Request-ID", g.request_id)
        if (request.endpoint != "static" and request.blueprint != "health"
                and current_user and current_user.is_authenticated):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response
