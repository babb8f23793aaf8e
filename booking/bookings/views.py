"""Booking pages: the form, series preview, my bookings, a booking's page, approvals,
the slot search, and the week, month and day calendars."""
from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..actions import found_or_abort, user_action
from ..desk.forms import JoinWaitlistForm
from ..domain import bookings as rules
from ..domain import checkin, equipment, quotas
from ..domain.accounts import active_member_choices
from ..domain.closures import closures_between
from ..domain.errors import BookingRefused, DomainError
from ..domain.knowledge import space_guide
from ..domain.spaces import KIND_LABELS, active_spaces, most_used_space_id
from ..domain.wording import describe_slots
from ..extensions import db
from ..forms import LOCAL_FORMAT, EmptyForm, choices
from ..models import Booking, Closure, Member, Space
from ..security import role_required
from ..timezones import current_tz, from_local, to_local
from .forms import (
    BookingForm,
    CancelBookingForm,
    EditBookingForm,
    FindSlotForm,
    ParticipantsForm,
    RejectBookingForm,
)
from .grid import Column, agenda, build_grid

bp = Blueprint("bookings", __name__)


def _guide(space_id: int | None):
    """The space's "how to use this space" toolbox article, for a link (one query)."""
    return space_guide(db.session, space_id, str(get_locale())) if space_id else None


def _booking_or_403(booking_id: int) -> Booking:
    return found_or_abort(lambda: rules.booking_for(db.session, booking_id, current_user),
                          rules.NotAllowed)


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
    people = active_member_choices(db.session)
    if current_user.is_comanager:
        form.member_id.choices = choices(people)
    else:
        del form.member_id
    form.participant_ids.choices = choices(people)
    if request.method == "GET":
        _prefill(form, spaces)
    items = equipment.all_items(db.session, active_only=True)
    preview = preview_warning = waitlist_form = None
    suggestions = []
    if form.validate_on_submit():
        space = next((s for s in spaces if s.id == form.space_id.data), None)
        member = _booked_for(form, people)
        if space is None or member is None:
            abort(400)
        start, end, tz = from_local(form.start.data), from_local(form.end.data), current_tz()
        party = {"booked_by": current_user, "for_organisation": form.for_organisation.data}
        series_args = {
            "space": space, "first": (start, end), "freq": form.repeat.data,
            "interval": form.interval.data or 1, "count": form.count.data or None,
            "until": form.until.data or None, "now": clock.now(), "tz": tz,
        }
        with user_action(error_field=form.start) as done:
            party["participants"] = rules.participants_named(
                db.session, form.participant_ids.data or [], member)
            if form.repeat.data == "none":
                booking = rules.create_booking(
                    db.session, space=space, member=member, start=start, end=end,
                    title=form.title.data, note=form.note.data, now=clock.now(), tz=tz,
                    equipment_wanted=_equipment_wanted(items), **party)
            elif _equipment_wanted(items):
                raise DomainError(_("Equipment is reserved with single bookings: book the "
                                    "series without it, or the dates that need it one by one."))
            elif request.form.get("confirm") != "1":
                preview = rules.preview_series(db.session, **series_args)
                preview_warning = _quota_warning(space, member, [
                    (o.start, o.end) for o in preview if o.free], form.for_organisation.data)
            else:
                _series, created, skipped = rules.create_series(
                    db.session, member=member, title=form.title.data,
                    note=form.note.data, **series_args, **party)
        if not done:
            suggestions = _suggestion_links(done.error, spaces, form)
            _refused(done.error, space.id, start, end)
            if member.id == current_user.id:  # one waits for oneself, not on another's behalf
                waitlist_form = _waitlist_form(done.error, form)
        elif form.repeat.data == "none":
            flash(_("Booked: %(space)s, %(when)s.", space=space.name,
                    when=describe_slots([(start, end)])) if booking.status == "confirmed"
                  else _("Request sent: a co-manager will approve it. The slot is held for "
                         "you meanwhile."), "success")
            return redirect(url_for("bookings.detail", booking_id=booking.id))
        elif preview is None:
            flash(ngettext("%(num)d date booked, %(skipped)d skipped.",
                           "%(num)d dates booked, %(skipped)d skipped.", len(created),
                           skipped=len(skipped)), "success")
            return redirect(url_for("bookings.mine"))
    chosen = next((s for s in spaces if s.id == form.space_id.data), None)
    narrowed_to = chosen if chosen is not None and _space_known(chosen) else None
    shown_items = equipment.items_for_space(items, chosen.id) if narrowed_to else items
    statuses = quotas.quota_overview(db.session, current_user, current_tz(), clock.now(),
                                     space=chosen) if chosen else []
    return render_template("bookings/new.html", form=form, preview=preview,
                           preview_warning=preview_warning, spaces={s.id: s for s in spaces},
                           suggestions=suggestions,
                           statuses=statuses, tz=current_tz(),
                           guide=_guide(chosen.id if chosen else None),
                           describe_rule=quotas.describe_rule,
                           describe_period=quotas.describe_period,
                           equipment_items=shown_items, equipment_space=narrowed_to,
                           waitlist_form=waitlist_form)


def _space_known(chosen: Space) -> bool:
    """Whether the member chose the space (sent the form, or came from its calendar) rather
    than seeing the form's first one: only then is the equipment narrowed to that space's."""
    return request.method == "POST" or request.args.get("space", type=int) == chosen.id


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


def _booked_for(form: BookingForm, people: list[tuple[int, str]]) -> Member | None:
    """The member the booking is for: oneself, or the active member a co-manager chose."""
    chosen = getattr(form, "member_id", None)
    if chosen is None or not chosen.data or chosen.data == current_user.id:
        return current_user
    if chosen.data not in {member_id for member_id, _name in people}:
        return None
    return db.session.get(Member, chosen.data)


def _suggestion_links(error, spaces: list[Space], form: BookingForm) -> list[dict]:
    """The alternatives to a taken time, as links that open the form filled in again."""
    if not isinstance(error, rules.BookingConflict):
        return []
    names = {s.id: s.name for s in spaces}
    links = []
    for slot in error.suggestions:
        start, end = to_local(slot.start), to_local(slot.end)
        links.append({
            "space": names.get(slot.space_id, ""), "start": slot.start, "end": slot.end,
            "why": " ".join(str(why) for why in slot.verdict.why),
            "url": url_for("bookings.new", space=slot.space_id,
                           start=start.strftime(LOCAL_FORMAT), end=end.strftime(LOCAL_FORMAT),
                           title=form.title.data or None,
                           member=getattr(form, "member_id", None) and form.member_id.data
                           or None)})
    return links


def _quota_warning(space: Space, member: Member, intervals,
                   for_organisation: bool = False) -> str | None:
    """What the quotas would say about a series, shown with its preview."""
    try:
        decision = quotas.check_quotas(db.session, member, space, intervals, current_tz(),
                                       for_organisation=for_organisation)
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
    if request.args.get("title"):
        form.title.data = request.args["title"][:200]
    if getattr(form, "member_id", None) is not None:
        form.member_id.data = request.args.get("member", type=int) or current_user.id


@bp.route("/bookings/<int:booking_id>")
@login_required
def detail(booking_id: int):
    booking = _booking_or_403(booking_id)
    return render_template("bookings/detail.html", booking=booking,
                           can_change=rules.can_change(booking, current_user, clock.now()),
                           guide=_guide(booking.space_id),
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
    items, held = equipment.equipment_choices(db.session, booking)
    return render_template("bookings/edit.html", form=form, booking=booking,
                           equipment_items=items, equipment_held=held,
                           equipment_form=EmptyForm(),
                           participants_form=_participants_form(booking))


def _participants_form(booking: Booking) -> ParticipantsForm:
    """The active members but the booker, those named chosen."""
    form = ParticipantsForm(formdata=None)
    form.participant_ids.choices = choices(
        (member_id, name) for member_id, name in active_member_choices(db.session)
        if member_id != booking.member_id)
    form.participant_ids.data = [p.member_id for p in booking.participants]
    return form


@bp.route("/bookings/<int:booking_id>/participants", methods=["POST"])
@login_required
def change_participants(booking_id: int):
    """The participants part of the change page: its own form, as the equipment's."""
    booking = _booking_or_403(booking_id)
    form = ParticipantsForm()
    if not form.validate_on_submit():
        flash(_("The participants could not be read: choose them from the list of members "
                "and save again."), "error")
        return redirect(url_for("bookings.edit", booking_id=booking_id))
    with user_action(_("Participants saved.")) as done:
        rules.change_participants(db.session, booking, form.participant_ids.data or [],
                                  actor=current_user, now=clock.now())
    if not done:
        return redirect(url_for("bookings.edit", booking_id=booking_id))
    return redirect(url_for("bookings.detail", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/equipment", methods=["POST"])
@login_required
def change_equipment(booking_id: int):
    """The equipment part of the change page: its own form, so a time and its equipment are
    never checked half-changed."""
    booking = _booking_or_403(booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_action(_("Equipment saved.")) as done:
        equipment.change_equipment(db.session, booking,
                                   _equipment_wanted(equipment.all_items(db.session)),
                                   actor=current_user, now=clock.now())
    if not done:
        return redirect(url_for("bookings.edit", booking_id=booking_id))
    return redirect(url_for("bookings.detail", booking_id=booking_id))


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
    organisation_id = current_user.organisation_id
    upcoming = rules.upcoming_bookings(db.session, current_user.id, now,
                                       organisation_id=organisation_id)
    past = db.paginate(rules.past_bookings_query(current_user.id, now, organisation_id),
                       per_page=20,
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
        start = from_local(datetime.combine(form.date_from.data, time(0)))
        end = from_local(datetime.combine(form.date_to.data + timedelta(days=1), time(0)))
        window = None
        if form.time_from.data or form.time_to.data:
            window = (form.time_from.data or time(0), form.time_to.data or time(23, 59))
        found = rules.find_slots(db.session, current_user, start=start, end=end,
                                 duration_minutes=form.duration.data, now=clock.now(),
                                 tz=current_tz(), kind=form.kind.data, time_of_day=window)
        results = [(space, _by_day(slots), problem) for space, slots, problem in found]
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


def _by_day(slots) -> list[tuple[date, list]]:
    days: dict[date, list] = {}
    for slot in slots:
        days.setdefault(to_local(slot.start).date(), []).append(slot)
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
    budget = quotas.quota_budget(db.session, current_user, start, end, tz)
    return build_grid(
        columns, {s.id: rules.rules_for(s, tz) for s in spaces},
        _bookings_between([s.id for s in spaces], start, end), _closures_between(start, end),
        viewer=current_user, now=clock.now(), tz=tz,
        booking_url=lambda b: url_for("bookings.detail", booking_id=b.id),
        new_booking_url=_new_booking_url, booked_label=_("Booked"), judge=budget.judge,
        taking_part=frozenset(rules.taking_part_ids(db.session, current_user, start, end)))


LAYOUTS = ("week", "day", "agenda")
MOST_USED_SINCE = timedelta(days=180)


def _chosen_space(spaces: list[Space]) -> Space | None:
    """The space asked for (and remembered), else the last one chosen, else the member's most
    used one, else the first: a member opens the calendar on the room they rehearse in."""
    by_id = {s.id: s for s in spaces}
    wanted = request.args.get("space", type=int)
    if wanted in by_id:
        session["calendar_space"] = wanted
        return by_id[wanted]
    if session.get("calendar_space") in by_id:
        return by_id[session["calendar_space"]]
    used = most_used_space_id(db.session, current_user.id, clock.now() - MOST_USED_SINCE)
    return by_id.get(used) or (spaces[0] if spaces else None)


def _chosen_layout() -> str | None:
    """Week, day or list, as asked (and remembered); None lets the screen's width decide."""
    wanted = request.args.get("view")
    if wanted in LAYOUTS:
        session["calendar_layout"] = wanted
        return wanted
    if wanted == "auto":
        session.pop("calendar_layout", None)
        return None
    return session.get("calendar_layout")


@bp.route("/calendar/week")
@login_required
def week():
    spaces = active_spaces(db.session)
    space = _chosen_space(spaces)
    if space is None:
        return render_template("bookings/no_space.html")
    layout = _chosen_layout()
    day = _day_arg()
    if layout == "day":
        days, step = [day], timedelta(days=1)
    else:
        monday = day - timedelta(days=day.weekday())
        days, step = [monday + timedelta(days=i) for i in range(7)], timedelta(days=7)
    start = from_local(datetime.combine(days[0], time(0)))
    end = from_local(datetime.combine(days[-1] + timedelta(days=1), time(0)))
    columns = [Column(day=d, space=space, label=d.isoformat()) for d in days]
    grid = _grid(columns, [space], start, end)
    return render_template(
        "bookings/week.html", grid=grid, agenda=agenda(grid), layout=layout, space=space,
        guide=_guide(space.id),
        spaces=spaces, days=days, today=to_local(clock.now()).date(),
        prev_day=days[0] - step, next_day=days[0] + step)


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
        guide=_guide(space.id),
        closed=closed, first=first, today=to_local(clock.now()).date(),
        prev_day=(first - timedelta(days=1)).replace(day=1), next_day=next_month)
