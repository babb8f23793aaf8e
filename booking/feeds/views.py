"""Calendar feeds (no login: a secret token in the URL), the "Add to calendar" download, the
token regeneration, and the co-managers' import of an external calendar as closures."""
from __future__ import annotations

import base64
import binascii

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..domain import calendar_import
from ..domain.calendar_feed import FeedValidator, build_calendar, is_not_modified
from ..domain.errors import DomainError
from ..domain.feeds import (
    FeedLinks,
    FeedScope,
    feed_events,
    feed_validator,
    member_for_feed_token,
    regenerate_feed_token,
    single_booking_events,
)
from ..extensions import db
from ..forms import EmptyForm, choices
from ..i18n import cooperative_settings
from ..models import Booking, Member, Space
from ..security import role_required
from .fetch import fetch_calendar
from .forms import ConfirmImportForm, ImportCalendarForm

bp = Blueprint("feeds", __name__)

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _links() -> FeedLinks:
    return FeedLinks(current_app.config["BASE_URL"], cooperative_settings().timezone)


def _feed_member(token: str) -> Member:
    member = member_for_feed_token(db.session, token)
    if member is None:
        abort(404)
    return member


def _locale_of(member: Member) -> str:
    return member.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


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
        FeedScope("member", member_id=member.id), locale=_locale_of(member),
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
    booking = db.session.execute(
        select(Booking).where(Booking.id == booking_id)).scalar_one_or_none()
    if booking is None:
        abort(404)
    if booking.member_id != current_user.id and not current_user.is_comanager:
        abort(403)
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
    regenerate_feed_token(current_user)
    db.session.commit()
    flash(_("New calendar link made. The old link no longer works: subscribe again in your "
            "calendar app with the new one.") if had_link else
          _("Your calendar link is ready. Subscribe to it in your calendar app."), "success")
    return redirect(url_for("auth.profile") + "#calendar")


@bp.app_context_processor
def _feed_links():
    def feed_links(member: Member) -> dict | None:
        """The member's feed URLs, https and webcal, for the profile page."""
        if member.feed_token is None:
            return None
        base = current_app.config["BASE_URL"]

        def pair(path: str) -> dict:
            https = base + path
            return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}

        spaces = db.session.execute(select(Space).where(Space.active.is_(True))
                                    .order_by(Space.name)).scalars().all()
        token = member.feed_token
        return {
            "member": pair(url_for("feeds.member_feed", token=token)),
            "spaces": [(space, pair(url_for("feeds.space_feed", token=token,
                                            space_id=space.id))) for space in spaces],
            "all": pair(url_for("feeds.all_feed", token=token)) if member.is_comanager
            else None,
        }

    return {"feed_links": feed_links}


# --- import ----------------------------------------------------------------------------------

def _space_choices() -> list:
    spaces = db.session.execute(select(Space).where(Space.active.is_(True))
                                .order_by(Space.name)).scalars().all()
    return choices([(0, _("All spaces"))] + [(s.id, s.name) for s in spaces])


def _read_upload(storage, max_bytes: int) -> bytes:
    data = storage.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise calendar_import.CalendarFileInvalid(_(
            "This file is larger than %(size)d KB. Import a shorter calendar.",
            size=max_bytes // 1024))
    return data


def _plan(data: bytes, space_id: int | None):
    events, skipped = calendar_import.parse_calendar(
        data, tz=cooperative_settings().timezone, now=clock.now())
    return calendar_import.plan_import(db.session, space_id=space_id, events=events,
                                       skipped=skipped)


@bp.route("/spaces/closures/import", methods=["GET", "POST"])
@role_required("comanager")
def import_closures():
    form = ImportCalendarForm()
    form.space_id.choices = _space_choices()
    if form.validate_on_submit():
        max_bytes = current_app.config["ICS_IMPORT_MAX_BYTES"]
        try:
            if form.file.data and form.file.data.filename:
                data = _read_upload(form.file.data, max_bytes)
            else:
                data = fetch_calendar(
                    form.url.data, timeout=current_app.config["ICS_IMPORT_TIMEOUT_SECONDS"],
                    max_bytes=max_bytes)
            plan = _plan(data, form.space_id.data or None)
        except DomainError as error:
            db.session.rollback()
            (form.file if form.file.data and form.file.data.filename
             else form.url).errors.append(str(error))
        else:
            space = db.session.get(Space, form.space_id.data) if form.space_id.data else None
            confirm = ConfirmImportForm(formdata=None, space_id=form.space_id.data,
                                        calendar=base64.b64encode(data).decode("ascii"))
            return render_template("feeds/import_preview.html", plan=plan, space=space,
                                   confirm=confirm)
    return render_template("feeds/import.html", form=form)


@bp.route("/spaces/closures/import/confirm", methods=["POST"])
@role_required("comanager")
def confirm_import():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash(_("The preview expired. Import the calendar again."), "warning")
        return redirect(url_for("feeds.import_closures"))
    space_id = form.space_id.data or None
    if space_id is not None and db.session.get(Space, space_id) is None:
        abort(400)
    try:
        data = base64.b64decode(form.calendar.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    try:
        plan = _plan(data, space_id)
        calendar_import.apply_import(db.session, plan, actor=current_user, space_id=space_id,
                                     now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("feeds.import_closures"))
    db.session.commit()
    flash(_("Calendar imported: %(created)d closures added, %(updated)d updated, %(removed)d "
            "removed.", created=len(plan.to_create), updated=len(plan.to_update),
            removed=len(plan.to_remove)), "success")
    return redirect(url_for("spaces.closures"))
