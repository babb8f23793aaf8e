"""Co-managers set up spaces and closures (by hand or imported from a calendar file or
address); everyone sees the list of spaces."""
from __future__ import annotations

import base64
import binascii

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..actions import user_action
from ..confirmation import confirmation_page, confirmed
from ..domain import bookings as booking_rules
from ..domain import calendar_fetch, calendar_import
from ..domain import closures as closure_rules
from ..domain import spaces as space_rules
from ..domain.knowledge import space_guides
from ..extensions import db
from ..forms import EmptyForm, choices
from ..i18n import cooperative_settings
from ..models import Closure, Space
from ..security import role_required
from ..timezones import from_local
from .forms import (
    KIND_LABELS,
    ClosureCancelForm,
    ClosureForm,
    ConfirmImportForm,
    ImportCalendarForm,
    SpaceForm,
)

bp = Blueprint("spaces", __name__, url_prefix="/spaces")


@bp.route("/")
@login_required
def list_spaces():
    spaces = space_rules.spaces_listed_for(db.session, current_user)
    guides = space_guides(db.session, [s.id for s in spaces], str(get_locale()))
    return render_template("spaces/list.html", spaces=spaces, kind_labels=KIND_LABELS,
                           guides=guides)


def _space_values(form: SpaceForm) -> dict:
    return {
        "name": form.name.data, "kind": form.kind.data, "description": form.description.data or "",
        "capacity": form.capacity.data, "access_instructions": form.access_instructions.data or "",
        "address": form.address.data or "", "colour": form.colour.data,
        "hourly_weight_pct": form.hourly_weight.parsed,
        "hourly_rate_cents": form.hourly_rate.parsed, "opening_hours": form.opening_hours(),
        "slot_minutes": form.slot_minutes.data, "min_minutes": form.min_minutes.data,
        "max_minutes": form.max_minutes.data, "horizon_days": form.horizon_days.data,
        "notice_minutes": (form.notice_hours.data or 0) * 60,
        "buffer_minutes": form.buffer_minutes.data or 0,
        "cancel_notice_hours": form.cancel_notice_hours.data or 0,
        "needs_approval": form.needs_approval.data, "show_titles": form.show_titles.data,
        "checkin_required": form.checkin_required.data,
        "checkin_opens_minutes": form.checkin_opens_minutes.data or 0,
        "checkin_grace_minutes": form.checkin_grace_minutes.data,
        "checkin_release": form.checkin_release.data, "no_show_cost": form.no_show_cost.data,
        "no_show_fee_cents": form.no_show_fee.parsed,
        "waitlist_offer_minutes": form.waitlist_offer_minutes.data,
    }


def _edit_page(space: Space | None):
    form = SpaceForm(obj=space)
    if request.method == "GET":
        if space is not None:
            form.fill_from(space)
        else:
            for key in ("mon", "tue", "wed", "thu", "fri", "sat"):
                getattr(form, key).data = "08:00-23:00"
    if form.validate_on_submit():
        with user_action(error_field=form.name) as done:
            saved = space_rules.save_space(db.session, current_user, space, _space_values(form))
        if done:
            flash(_("Space “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for("spaces.list_spaces"))
    return render_template("spaces/edit.html", form=form, space=space)


@bp.route("/new", methods=["GET", "POST"])
@role_required("comanager")
def new():
    return _edit_page(None)


@bp.route("/<int:space_id>/edit", methods=["GET", "POST"])
@role_required("comanager")
def edit(space_id: int):
    return _edit_page(db.get_or_404(Space, space_id))


@bp.route("/<int:space_id>/archive", methods=["POST"])
@role_required("comanager")
def archive(space_id: int):
    space = db.get_or_404(Space, space_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    with user_action(_("“%(name)s” is back in use.", name=space.name) if active else
                     _("“%(name)s” is archived: its history is kept, it takes no new bookings.",
                       name=space.name)):
        space_rules.set_space_active(db.session, current_user, space, active)
    return redirect(url_for("spaces.list_spaces"))


def _space_choices() -> list:
    return choices([(0, _("All spaces"))]
                   + [(s.id, s.name) for s in space_rules.active_spaces(db.session)])


@bp.route("/closures", methods=["GET", "POST"])
@role_required("comanager")
def closures():
    form = ClosureForm()
    form.space_id.choices = _space_choices()
    if form.validate_on_submit():
        with user_action(_("Closure added."), form.end) as done:
            closure = closure_rules.create_closure(
                db.session, actor=current_user, space_id=form.space_id.data or None,
                start=from_local(form.start.data), end=from_local(form.end.data),
                reason=form.reason.data, now=clock.now())
        if done:
            return redirect(url_for("spaces.closure", closure_id=closure.id))
    upcoming = closure_rules.upcoming_closures(db.session, clock.now())
    return render_template("spaces/closures.html", form=form, closures=upcoming,
                           hits=closure_rules.hit_counts(db.session, upcoming))


def _active_closure_or_404(closure_id: int) -> Closure:
    """A removed closure is kept only for the feeds: its page is gone."""
    closure = closure_rules.active_closure(db.session, closure_id)
    if closure is None:
        abort(404)
    return closure


@bp.route("/closures/<int:closure_id>", methods=["GET", "POST"])
@role_required("comanager")
def closure(closure_id: int):
    closure = _active_closure_or_404(closure_id)
    form = ClosureCancelForm()
    if form.validate_on_submit() and not confirmed():
        return confirmation_page(
            _("Cancel the bookings hit by this closure?"),
            _("Each booking is cancelled and its member told; this cannot be undone."),
            _("Yes, cancel them"), url_for("spaces.closure", closure_id=closure.id))
    if form.validate_on_submit():
        with user_action() as done:
            cancelled = booking_rules.cancel_for_closure(
                db.session, closure, actor=current_user, message=form.message.data,
                now=clock.now())
        if done:  # each member hears of it by a notification, sent after commit
            flash(ngettext("%(num)d booking cancelled; its member was told.",
                           "%(num)d bookings cancelled; their members were told.", len(cancelled)),
                  "success")
        return redirect(url_for("spaces.closure", closure_id=closure.id))
    hit = closure_rules.bookings_hit_by(db.session, closure.space_id, closure.start_at,
                                   closure.end_at)
    return render_template("spaces/closure.html", closure=closure, hit=hit, form=form)


@bp.route("/closures/<int:closure_id>/delete", methods=["POST"])
@role_required("comanager")
def delete_closure(closure_id: int):
    closure = _active_closure_or_404(closure_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_action(_("Closure removed: the space can be booked again at that time.")):
        closure_rules.delete_closure(db.session, closure, actor=current_user, now=clock.now())
    return redirect(url_for("spaces.closures"))


# --- importing a calendar as closures --------------------------------------------------------

def _plan(data: bytes, space_id: int | None) -> calendar_import.ImportPlan:
    parsed = calendar_import.parse_calendar(
        data, tz=cooperative_settings().timezone, now=clock.now())
    return calendar_import.plan_import(db.session, space_id=space_id, parsed=parsed,
                                       now=clock.now())


@bp.route("/closures/import", methods=["GET", "POST"])
@role_required("comanager")
def import_closures():
    form = ImportCalendarForm()
    form.space_id.choices = _space_choices()
    if form.validate_on_submit():
        max_bytes = current_app.config["ICS_IMPORT_MAX_BYTES"]
        uploaded = bool(form.file.data and form.file.data.filename)
        # Nothing is written here: the plan is only shown, and the block commits nothing.
        with user_action(error_field=form.file if uploaded else form.url) as done:
            if uploaded:
                data = calendar_import.read_upload(form.file.data, max_bytes)
            else:
                data = calendar_import.fetch_calendar(
                    form.url.data, timeout=current_app.config["ICS_IMPORT_TIMEOUT_SECONDS"],
                    max_bytes=max_bytes, allowed_hosts=calendar_fetch.parse_allowed_hosts(
                        current_app.config.get("CALENDAR_IMPORT_ALLOWED_HOSTS", "")))
            plan = _plan(data, form.space_id.data or None)
            # Shown after the block's (empty) commit: detached, they are not reloaded one by one.
            for closure in plan.closures:
                db.session.expunge(closure)
        if done:
            space = db.session.get(Space, form.space_id.data) if form.space_id.data else None
            confirm = ConfirmImportForm(formdata=None, space_id=form.space_id.data,
                                        calendar=base64.b64encode(data).decode("ascii"))
            return render_template("spaces/import_preview.html", plan=plan, space=space,
                                   confirm=confirm)
    return render_template("spaces/import.html", form=form)


@bp.route("/closures/import/confirm", methods=["POST"])
@role_required("comanager")
def confirm_import():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash(_("The preview expired. Import the calendar again."), "warning")
        return redirect(url_for("spaces.import_closures"))
    space_id = form.space_id.data or None
    if space_id is not None and db.session.get(Space, space_id) is None:
        abort(400)
    try:
        data = base64.b64decode(form.calendar.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    with user_action() as done:
        plan = _plan(data, space_id)
        calendar_import.apply_import(db.session, plan, actor=current_user, space_id=space_id,
                                     now=clock.now())
    if not done:
        return redirect(url_for("spaces.import_closures"))
    flash(_("Calendar imported: %(added)s, %(updated)s, %(removed)s.",
            added=ngettext("%(num)d closure added", "%(num)d closures added",
                           len(plan.to_create)),
            updated=ngettext("%(num)d closure updated", "%(num)d closures updated",
                             len(plan.to_update)),
            removed=ngettext("%(num)d closure removed", "%(num)d closures removed",
                             len(plan.to_remove))), "success")
    return redirect(url_for("spaces.closures"))
