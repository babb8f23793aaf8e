"""Booking pages: the form, series preview, my bookings, a booking's page, approvals,
the slot search, and the week, month and day calendars."""
from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..actions import user_action
from ..desk.forms import JoinWaitlistForm
from ..domain import bookings as rules
from ..domain import checkin, equipment, quotas, schedule
from ..domain.closures import closures_between
from ..domain.errors import BookingRefused, DomainError
from ..domain.spaces import KIND_LABELS, active_spaces
from ..domain.wording import describe_slots
from ..extensions import db
from ..forms import EmptyForm, choices
from ..models import Booking, Closure, Space
from ..security import role_required
from ..timezones import current_tz, from_local, to_local
from .forms import (
    LOCAL_FORMAT,
    BookingForm,
    CancelBookingForm,
    EditBookingForm,
    FindSlotForm,
    RejectBookingForm,
)
from .grid import Column, build_grid

bp = Blueprint("bookings", __name__)


def _booking_or_403(booking_id: int) -> Booking:
    try:
        booking = rules.booking_for(db.session, booking_id, current_user)
    except rules.NotAllowed:
        abort(403)
    if booking is None:
        abort(404)
    return booking


def _refused(error: DomainError | None, space_id: int, start, end) -> None:
    """The attempt was undone; keep it in the unmet-demand record when the space was taken."""
    if isinstance(error, BookingRefused):
        rules.record_refusal(db.session, member_id=current_user.id, space_id=space_id,
                             start=start, end=end, reason=error.reason, now=clock.now())
        db.session.commit()


# --- booking -----------------------------------------------------------------------------

@bp.route("/bookings/new", methods=["GET", "POST"])
@login_required
def new():
    form = BookingForm()
    spaces = active_spaces(db.session)
    if not spaces:
        return render_template("bookings/no_space.html")
    form.space_id.choices = choices((s.id, s.name) for s in spaces)
    if request.method == "GET":
        _prefill(form, spaces)
    items = equipment.all_items(db.session, active_only=True)
    preview = preview_warning = waitlist_form = None
    if form.validate_on_submit():
        space = next((s for s in spaces if s.id == form.space_id.data), None)
        if space is None:
            abort(400)
        start, end, tz = from_local(form.start.data), from_local(form.end.data), current_tz()
        series_args = {
            "space": space, "first": (start, end), "freq": form.repeat.data,
            "interval": form.interval.data or 1, "count": form.count.data or None,
            "until": form.until.data or None, "now": clock.now(), "tz": tz,
        }
        with user_action(error_field=form.start) as done:
            if form.repeat.data == "none":
                booking = rules.create_booking(
                    db.session, space=space, member=current_user, start=start, end=end,
                    title=form.title.data, note=form.note.data, now=clock.now(), tz=tz,
                    equipment_wanted=_equipment_wanted(items))
            elif _equipment_wanted(items):
                raise DomainError(_("Equipment is reserved with single bookings: book the "
                                    "series without it, or the dates that need it one by one."))
            elif request.form.get("confirm") != "1":
                preview = rules.preview_series(db.session, **series_args)
                preview_warning = _quota_warning(space, [(o.start, o.end) for o in preview
                                                         if o.free])
            else:
                _series, created, skipped = rules.create_series(
                    db.session, member=current_user, title=form.title.data,
                    note=form.note.data, **series_args)
        if not done:
            _refused(done.error, space.id, start, end)
            waitlist_form = _waitlist_form(done.error, form)
        elif form.repeat.data == "none":
            flash(_("Booked: %(space)s, %(when)s.", space=space.name,
                    when=describe_slots([(start, end)])) if booking.status == "confirmed"
                  else _("Request sent: a co-manager will approve it. The slot is held for "
                         "you meanwhile."), "success")
            return redirect(url_for("bookings.detail", booking_id=booking.id))
        elif preview is None:
            flash(_("%(n)d dates booked, %(skipped)d skipped.", n=len(created),
                  skipped=len(skipped)), "success")
            return redirect(url_for("bookings.mine"))
    chosen = next((s for s in spaces if s.id == form.space_id.data), None)
    statuses = quotas.quota_overview(db.session, current_user, current_tz(), clock.now(),
                                     space=chosen) if chosen else []
    return render_template("bookings/new.html", form=form, preview=preview,
                           preview_warning=preview_warning, spaces={s.id: s for s in spaces},
                           statuses=statuses, tz=current_tz(),
                           describe_rule=quotas.describe_rule,
                           describe_period=quotas.describe_period, equipment_items=items,
                           waitlist_form=waitlist_form)


def _equipment_wanted(items) -> list[equipment.EquipmentRequest]:
    """The units asked for in the form's `equipment-<id>` fields (empty or 0: none)."""
    wanted = []
    for item in items:
        with suppress(ValueError):
            units = int(request.form.get(f"equipment-{item.id}") or 0)
            if units > 0:
                wanted.append(equipment.EquipmentRequest(item.id, units))
    return wanted


def _waitlist_form(error: DomainError | None, form: BookingForm):
    """On a taken time, the offer to wait for it, with the same space and times."""
    held = isinstance(error, BookingRefused) and error.params.get("code") == "held_for_waitlist"
    if not (held or isinstance(error, rules.BookingConflict)):
        return None
    return JoinWaitlistForm(formdata=None, prefix=JoinWaitlistForm.PREFIX,
                            space_id=str(form.space_id.data),
                            start=form.start.data, end=form.end.data)


def _quota_warning(space: Space, intervals) -> str | None:
    """What the quotas would say about a series, shown with its preview."""
    try:
        decision = quotas.check_quotas(db.session, current_user, space, intervals, current_tz())
    except quotas.QuotaExceeded as error:
        return str(error)
    return " ".join(str(note) for note in decision.notes[:1]) or None


def _prefill(form: BookingForm, spaces: list[Space]) -> None:
    """The calendar's free cells link here with ?space=&start=&end= in local time."""
    space_id = request.args.get("space", type=int)
    form.space_id.data = space_id if space_id in {s.id for s in spaces} else spaces[0].id
    for field in (form.start, form.end):
        value = request.args.get(field.name)
        if value:
            with suppress(ValueError):
                field.data = datetime.strptime(value, LOCAL_FORMAT)


@bp.route("/bookings/<int:booking_id>")
@login_required
def detail(booking_id: int):
    booking = _booking_or_403(booking_id)
    return render_template("bookings/detail.html", booking=booking,
                           can_change=rules.can_change(booking, current_user, clock.now()),
                           reject_form=RejectBookingForm(),
                           equipment_lines=equipment.equipment_of(db.session, [booking.id])
                           .get(booking.id, []),
                           can_check_in=checkin.can_check_in(booking, current_user,
                                                             clock.now()))


@bp.route("/bookings/<int:booking_id>/edit", methods=["GET", "POST"])
@login_required
def edit(booking_id: int):
    booking = _booking_or_403(booking_id)
    if not rules.can_change(booking, current_user, clock.now()):
        flash(_("This booking can no longer be changed: it is over or cancelled."), "warning")
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    form = EditBookingForm(obj=booking)
    if request.method == "GET":
        form.start.data = to_local(booking.start_at).replace(tzinfo=None)
        form.end.data = to_local(booking.end_at).replace(tzinfo=None)
    if form.validate_on_submit():
        with user_action(error_field=form.start) as done:
            changed = rules.update_booking(
                db.session, booking, actor=current_user, start=from_local(form.start.data),
                end=from_local(form.end.data), title=form.title.data, note=form.note.data,
                now=clock.now(), tz=current_tz(), scope=form.scope.data)
        if done:
            flash(_("Booking changed (%(n)d dates).", n=len(changed)) if len(changed) > 1
                  else _("Booking changed."), "success")
            return redirect(url_for("bookings.detail", booking_id=booking_id))
    return render_template("bookings/edit.html", form=form, booking=booking)


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    booking = _booking_or_403(booking_id)
    form = CancelBookingForm()
    if form.validate_on_submit():
        with user_action() as done:
            cancelled = rules.cancel_booking(db.session, booking, actor=current_user,
                                             reason=form.reason.data or "", now=clock.now(),
                                             scope=form.scope.data)
        if done:
            flash(_("Cancelled (%(n)d dates).", n=len(cancelled)) if len(cancelled) > 1
                  else _("Booking cancelled."), "success")
            if any(b.late_cancellation for b in cancelled):
                flash(_("This cancellation is late: the hours still count for your quota and "
                        "costs."), "warning")
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    late = rules.is_late_cancellation(booking, clock.now())
    return render_template("bookings/cancel.html", form=form, booking=booking, late=late)


@bp.route("/bookings/mine")
@login_required
def mine():
    now = clock.now()
    upcoming = rules.upcoming_bookings(db.session, current_user.id, now)
    past = db.paginate(rules.past_bookings_query(current_user.id, now), per_page=20,
                       error_out=False)
    return render_template("bookings/mine.html", upcoming=upcoming, past=past, now=now)


# --- approvals -----------------------------------------------------------------------------

@bp.route("/bookings/approvals")
@role_required("comanager")
def approvals():
    pending = rules.awaiting_approval(db.session, clock.now())
    return render_template("bookings/approvals.html", pending=pending,
                           reject_form=RejectBookingForm())


@bp.route("/bookings/<int:booking_id>/approve", methods=["POST"])
@role_required("comanager")
def approve(booking_id: int):
    booking = _booking_or_403(booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_action(_("Approved: %(title)s.", title=booking.title)):
        rules.approve_booking(db.session, booking, actor=current_user, now=clock.now())
    return redirect(request.form.get("next") or url_for("bookings.approvals"))


@bp.route("/bookings/<int:booking_id>/reject", methods=["POST"])
@role_required("comanager")
def reject(booking_id: int):
    booking = _booking_or_403(booking_id)
    form = RejectBookingForm()
    if not form.validate_on_submit():
        flash(_("Say why the booking is rejected: the member will read it."), "error")
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    with user_action(_("Rejected: %(title)s. The slot is free again.", title=booking.title)):
        rules.reject_booking(db.session, booking, actor=current_user, reason=form.reason.data,
                             now=clock.now())
    return redirect(url_for("bookings.approvals"))


# --- finding a slot ------------------------------------------------------------------------

@bp.route("/bookings/find")
@login_required
def find():
    form = FindSlotForm(request.args)
    today = to_local(clock.now()).date()
    if not request.args:
        form.date_from.data, form.date_to.data = today, today + timedelta(days=7)
    results = None
    if request.args and form.validate():
        tz = current_tz()
        start = max(from_local(datetime.combine(form.date_from.data, time(0))), clock.now())
        end = from_local(datetime.combine(form.date_to.data + timedelta(days=1), time(0)))
        spaces = active_spaces(db.session, kind=form.kind.data)
        bookings = _bookings_between([s.id for s in spaces], start, end)
        closures = _closures_between(start, end)
        window = None
        if form.time_from.data or form.time_to.data:
            window = (form.time_from.data or time(0), form.time_to.data or time(23, 59))
        results = []
        for space in spaces:
            space_rules = rules.rules_for(space, tz)
            try:
                slots = schedule.free_slots(
                    space_rules, start, end, form.duration.data,
                    [(b.start_at, b.end_at) for b in bookings if b.space_id == space.id],
                    [(c.start_at, c.end_at) for c in closures
                     if c.space_id in (None, space.id)],
                    now=clock.now(), time_of_day=window, limit=5000)
            except schedule.ScheduleError as error:
                results.append((space, [], rules.schedule_message(error)))
                continue
            results.append((space, _by_day(_distinct_starts(slots)), None))
    statuses = []
    if form.kind.data:
        statuses = [s for s in quotas.quota_overview(db.session, current_user, current_tz(),
                                                     clock.now(), periods_ahead=0)
                    if (s.rule.space.kind if s.rule.space else s.rule.space_kind)
                    == form.kind.data]
    return render_template("bookings/find.html", form=form, results=results,
                           kind_labels=KIND_LABELS, statuses=statuses, tz=current_tz(),
                           describe_rule=quotas.describe_rule,
                           describe_period=quotas.describe_period)


def _distinct_starts(slots):
    """Slots that do not overlap the previous one shown, so the list reads as choices."""
    shown, last_end = [], None
    for start, end in slots:
        if last_end is None or start >= last_end:
            shown.append((start, end))
            last_end = end
    return shown


def _by_day(slots) -> list[tuple[date, list]]:
    days: dict[date, list] = {}
    for start, end in slots:
        days.setdefault(to_local(start).date(), []).append((start, end))
    return list(days.items())


# --- calendars -----------------------------------------------------------------------------

def _bookings_between(space_ids: list[int], start: datetime, end: datetime) -> list[Booking]:
    return rules.active_bookings_between(db.session, space_ids, start, end)


def _closures_between(start: datetime, end: datetime) -> list[Closure]:
    return closures_between(db.session, None, start, end)


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return to_local(clock.now()).date()


def _new_booking_url(space: Space, start: datetime, end: datetime) -> str:
    return url_for("bookings.new", space=space.id, start=start.strftime(LOCAL_FORMAT),
                   end=end.strftime(LOCAL_FORMAT))


def _grid(columns, spaces, start, end):
    tz = current_tz()
    return build_grid(
        columns, {s.id: rules.rules_for(s, tz) for s in spaces},
        _bookings_between([s.id for s in spaces], start, end), _closures_between(start, end),
        viewer=current_user, now=clock.now(), tz=tz,
        booking_url=lambda b: url_for("bookings.detail", booking_id=b.id),
        new_booking_url=_new_booking_url, booked_label=_("Booked"))


def _chosen_space(spaces: list[Space]) -> Space | None:
    wanted = request.args.get("space", type=int)
    return next((s for s in spaces if s.id == wanted), spaces[0] if spaces else None)


@bp.route("/calendar/week")
@login_required
def week():
    spaces = active_spaces(db.session)
    space = _chosen_space(spaces)
    if space is None:
        return render_template("bookings/no_space.html")
    day = _day_arg()
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    start = from_local(datetime.combine(monday, time(0)))
    end = from_local(datetime.combine(monday + timedelta(days=7), time(0)))
    columns = [Column(day=d, space=space, label=d.isoformat()) for d in days]
    return render_template(
        "bookings/week.html", grid=_grid(columns, [space], start, end), space=space,
        spaces=spaces, days=days, today=to_local(clock.now()).date(),
        prev_day=monday - timedelta(days=7), next_day=monday + timedelta(days=7))


@bp.route("/calendar/day")
@login_required
def day():
    spaces = active_spaces(db.session)
    if not spaces:
        return render_template("bookings/no_space.html")
    the_day = _day_arg()
    start = from_local(datetime.combine(the_day, time(0)))
    end = from_local(datetime.combine(the_day + timedelta(days=1), time(0)))
    columns = [Column(day=the_day, space=s, label=s.name) for s in spaces]
    return render_template(
        "bookings/day.html", grid=_grid(columns, spaces, start, end), the_day=the_day,
        today=to_local(clock.now()).date(), prev_day=the_day - timedelta(days=1),
        next_day=the_day + timedelta(days=1))


@bp.route("/calendar/month")
@login_required
def month():
    spaces = active_spaces(db.session)
    space = _chosen_space(spaces)
    if space is None:
        return render_template("bookings/no_space.html")
    the_day = _day_arg()
    first = the_day.replace(day=1)
    grid_start = first - timedelta(days=first.weekday())
    next_month = (first + timedelta(days=32)).replace(day=1)
    weeks_count = -(-((next_month - grid_start).days) // 7)
    grid_days = [grid_start + timedelta(days=i) for i in range(weeks_count * 7)]
    start = from_local(datetime.combine(grid_days[0], time(0)))
    end = from_local(datetime.combine(grid_days[-1] + timedelta(days=1), time(0)))
    by_day: dict[date, list] = {d: [] for d in grid_days}
    for booking in _bookings_between([space.id], start, end):
        local_day = to_local(booking.start_at).date()
        if local_day in by_day and booking.start_at < end:
            by_day[local_day].append(booking)
    closed: dict[date, list] = {d: [] for d in grid_days}
    for closure in _closures_between(start, end):
        if closure.space_id not in (None, space.id):
            continue
        d = max(to_local(closure.start_at).date(), grid_days[0])
        while d <= min(to_local(closure.end_at - timedelta(seconds=1)).date(), grid_days[-1]):
            closed[d].append(closure)
            d += timedelta(days=1)
    weeks = [grid_days[i:i + 7] for i in range(0, len(grid_days), 7)]
    return render_template(
        "bookings/month.html", space=space, spaces=spaces, weeks=weeks, by_day=by_day,
        closed=closed, first=first, today=to_local(clock.now()).date(),
        prev_day=(first - timedelta(days=1)).replace(day=1), next_day=next_month)
