"""Calendar feeds (no login: a secret token in the URL), the "Add to calendar" download and the
token regeneration. Importing a calendar as closures is with the closures (spaces blueprint).

A feed speaks its member's language: the profile's, else the one the member used when the
address was made (its `lang`), else what the calendar app asks (Accept-Language)."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..actions import found_or_abort
from ..domain.bookings import NotAllowed, booking_for
from ..domain.feed_events import (
    FeedLinks,
    FeedScope,
    feed_events,
    feed_validator,
    single_booking_events,
)
from ..domain.feed_tokens import (
    is_feed_token_of,
    member_for_feed_token,
    regenerate_feed_token,
    revoke_feed_token,
)
from ..domain.ical import FeedValidator, build_calendar, is_not_modified
from ..domain.spaces import active_spaces
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import cooperative_settings
from ..models import Member, Space

bp = Blueprint("feeds", __name__)

CALENDAR_TYPE = "text/calendar; charset=utf-8"
FRESH_TOKEN_KEY = "fresh_feed_token"


def _links() -> FeedLinks:
    return FeedLinks(current_app.config["BASE_URL"], cooperative_settings().timezone)


def _feed_member(token: str) -> Member:
    member = member_for_feed_token(db.session, token)
    if member is None:
        abort(404)
    return member


def _locale_of(member: Member) -> str:
    """A member who left the language to the browser has none in the profile: the language
    they used when they made the address travels in it as `lang`."""
    languages = current_app.config["LANGUAGES"]
    if member.locale in languages:
        return member.locale
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return (request.accept_languages.best_match(languages)
            or current_app.config["BABEL_DEFAULT_LOCALE"])


def _with_validators(response: Response, validator: FeedValidator) -> Response:
    response.headers["ETag"] = validator.etag
    if validator.last_modified is not None:
        response.last_modified = validator.last_modified
    # Calendar apps keep a copy but ask again each time; no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _feed_response(scope: FeedScope, *, locale: str, title, show_member: bool = False,
                   key_extra: str = "") -> Response:
    """304 from one aggregate query when the app's copy is current; else the whole feed."""
    settings = cooperative_settings()
    now = clock.now()
    links = _links()
    key = (f"{scope.kind}:{scope.member_id}:{scope.space_id}:{locale}:{settings.timezone}:"
           f"{settings.name}:{links.base_url}:{show_member}:{key_extra}")
    validator = feed_validator(db.session, scope, now, key)
    if is_not_modified(validator, request.headers.get("If-None-Match"),
                       request.if_modified_since):
        return _with_validators(Response(status=304), validator)
    with force_locale(locale):
        events = feed_events(db.session, scope, now, links, show_member=show_member)
        body = build_calendar(name=title(settings.name), timezone=settings.timezone,
                              events=events)
    return _with_validators(Response(body, content_type=CALENDAR_TYPE), validator)


@bp.route("/feeds/<token>/member.ics")
def member_feed(token: str):
    member = _feed_member(token)
    return _feed_response(
        FeedScope("member", member_id=member.id,
                  organisation_id=member.organisation_id), locale=_locale_of(member),
        title=lambda coop: _("My bookings · %(coop)s", coop=coop))


@bp.route("/feeds/<token>/spaces/<int:space_id>.ics")
def space_feed(token: str, space_id: int):
    member = _feed_member(token)
    space = db.session.get(Space, space_id)
    if space is None or (not space.active and not member.is_comanager):
        abort(404)
    # Shared by everyone, so written in the cooperative's language, titles hidden by default.
    return _feed_response(
        FeedScope("space", space_id=space.id),
        locale=current_app.config["BABEL_DEFAULT_LOCALE"],
        title=lambda coop: _("%(space)s · %(coop)s", space=space.name, coop=coop),
        key_extra=f"{space.name}:{space.address}:{space.show_titles}")


@bp.route("/feeds/<token>/all.ics")
def all_feed(token: str):
    member = _feed_member(token)
    if not member.is_comanager:
        abort(404)
    return _feed_response(
        FeedScope("all"), locale=_locale_of(member), show_member=True,
        title=lambda coop: _("All spaces · %(coop)s", coop=coop))


@bp.route("/bookings/<int:booking_id>.ics")
@login_required
def booking_file(booking_id: int):
    booking = found_or_abort(lambda: booking_for(db.session, booking_id, current_user),
                             NotAllowed)
    settings = cooperative_settings()
    body = build_calendar(name=booking.title, timezone=settings.timezone,
                          events=single_booking_events(booking, _links()))
    response = Response(body, content_type=CALENDAR_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="booking-{booking.id}.ics"'
    return response


@bp.route("/account/calendar-link", methods=["POST"])
@login_required
def regenerate_token():
    if not EmptyForm().validate_on_submit():
        abort(400)
    had_link = current_user.feed_token is not None
    secret = regenerate_feed_token(current_user)
    db.session.commit()
    # Only the hash is stored: the profile page shows this secret once, then forgets it.
    session[FRESH_TOKEN_KEY] = secret
    flash(_("New calendar link made. The old link no longer works: subscribe again in your "
            "calendar app with the new one.") if had_link else
          _("Your calendar link is ready. Subscribe to it in your calendar app."), "success")
    return redirect(url_for("auth.profile") + "#calendar")


@bp.route("/account/calendar-link/delete", methods=["POST"])
@login_required
def revoke_token():
    if not EmptyForm().validate_on_submit():
        abort(400)
    revoke_feed_token(current_user)
    db.session.commit()
    flash(_("Your calendar address is turned off: calendar apps subscribed to it get nothing "
            "more. Create a new one to subscribe again."), "success")
    return redirect(url_for("auth.profile") + "#calendar")


def feed_urls(member: Member, token: str) -> dict:
    """The member's feed URLs, https and webcal, for a token just made: the profile page and
    the API show them once. They carry the language in use now (see `_locale_of`)."""
    base = current_app.config["BASE_URL"]
    lang = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])

    def pair(endpoint: str, **values) -> dict:
        https = base + url_for(endpoint, token=token, **values)
        return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}

    return {
        "member": pair("feeds.member_feed", lang=lang),
        "spaces": [(space, pair("feeds.space_feed", space_id=space.id))
                   for space in active_spaces(db.session)],
        "all": pair("feeds.all_feed", lang=lang) if member.is_comanager else None,
    }


@bp.app_context_processor
def _feed_links():
    def feed_links(member: Member) -> dict | None:
        """The member's feed URLs right after they were made; {"hidden": True} afterwards
        (only the token's hash is kept); None when the member has none."""
        if member.feed_token is None:
            return None
        token = session.pop(FRESH_TOKEN_KEY, None)
        if not is_feed_token_of(member, token):
            return {"hidden": True}
        return feed_urls(member, token)

    return {"feed_links": feed_links}
