"""The booking desk beside the bookings: equipment (co-managers), check-in (the booking's
button, the door link and its QR code) and the waiting list."""
from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import clock
from ..actions import found_or_abort, user_action
from ..domain import bookings as booking_rules
from ..domain import checkin, equipment, waitlist
from ..domain.spaces import active_spaces
from ..extensions import db
from ..forms import EmptyForm, choices
from ..models import EquipmentItem, Space
from ..security import role_required
from ..timezones import current_tz, from_local
from .forms import AcceptOfferForm, EquipmentForm, JoinWaitlistForm, RemoveWaitlistEntryForm

bp = Blueprint("desk", __name__)


# --- equipment (co-managers) -----------------------------------------------------------------

@bp.route("/equipment/")
@role_required("comanager")
def equipment_list():
    return render_template("desk/equipment_list.html", items=equipment.all_items(db.session))


def _equipment_page(item: EquipmentItem | None):
    form = EquipmentForm(obj=item)
    form.space_ids.choices = choices((s.id, s.name) for s in active_spaces(db.session))
    if request.method == "GET" and item is not None:
        form.fill_from(item)
    if form.validate_on_submit():
        with user_action(error_field=form.name) as done:
            saved = equipment.save_item(
                db.session, current_user, item, name=form.name.data,
                quantity=form.quantity.data, description=form.description.data or "",
                hourly_weight_pct=form.hourly_weight.parsed, space_ids=form.space_ids.data,
                active=form.active.data)
        if done:
            flash(_("Equipment “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for("desk.equipment_list"))
    return render_template("desk/equipment_edit.html", form=form, item=item)


@bp.route("/equipment/new", methods=["GET", "POST"])
@role_required("comanager")
def equipment_new():
    return _equipment_page(None)


@bp.route("/equipment/<int:item_id>/edit", methods=["GET", "POST"])
@role_required("comanager")
def equipment_edit(item_id: int):
    return _equipment_page(db.get_or_404(EquipmentItem, item_id))


# --- check-in --------------------------------------------------------------------------------

@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@login_required
def check_in(booking_id: int):
    booking = found_or_abort(
        lambda: booking_rules.booking_for(db.session, booking_id, current_user),
        booking_rules.NotAllowed)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_action(_("Checked in. Enjoy your session!")):
        checkin.check_in(db.session, booking, member=current_user, now=clock.now())
    return redirect(url_for("bookings.detail", booking_id=booking_id))


@bp.route("/spaces/<int:space_id>/check-in")
@login_required
def door(space_id: int):
    """The link behind the QR code on the door: the member's booking there now."""
    space = db.get_or_404(Space, space_id)
    booking = checkin.current_booking_at(db.session, space.id, current_user.id, clock.now())
    if booking is not None:
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    return render_template("desk/no_current_booking.html", space=space)


@bp.route("/spaces/<int:space_id>/door")
@role_required("comanager")
def door_poster(space_id: int):
    """A page to print and pin on the door: the check-in link as a QR code."""
    space = db.get_or_404(Space, space_id)
    link = url_for("desk.door", space_id=space.id, _external=True)
    qr = segno.make_qr(link, error="m")
    svg = Markup(qr.svg_inline(scale=8, title=_("Check-in QR code for %(space)s",
                                                space=space.name)))
    return render_template("desk/door.html", space=space, link=link, svg=svg)


# --- the waiting list ------------------------------------------------------------------------

@bp.route("/waitlist")
@login_required
def my_waitlist():
    now = clock.now()
    entries = waitlist.waitlist_of(db.session, current_user.id, now)
    return render_template("desk/waitlist.html", entries=entries, now=now,
                           places=waitlist.positions(db.session, entries),
                           accept_form=AcceptOfferForm())


@bp.route("/waitlist", methods=["POST"])
@login_required
def join_waitlist():
    form = JoinWaitlistForm(prefix=JoinWaitlistForm.PREFIX)
    if not form.validate_on_submit():
        flash(_("Give the space and the times to wait for."), "error")
        return redirect(url_for("bookings.new"))
    space = db.session.get(Space, int(form.space_id.data)) if form.space_id.data.isdigit() \
        else None
    if space is None:
        abort(404)
    with user_action(_("You are on the waiting list. You will be told when the time frees "
                       "up.")) as done:
        waitlist.join_waitlist(db.session, space=space, member=current_user,
                               start=from_local(form.start.data), end=from_local(form.end.data),
                               auto_book=form.auto_book.data, now=clock.now(), tz=current_tz())
    if not done:
        return redirect(url_for("bookings.new", space=space.id))
    return redirect(url_for("desk.my_waitlist"))


@bp.route("/waitlist/lines")
@role_required("comanager")
def waiting_lines():
    """Every open line, for the co-managers: who waits in which order, the offers held."""
    now = clock.now()
    entries = waitlist.open_entries(db.session, now)
    by_space: dict[int, list] = {}
    for entry in entries:
        by_space.setdefault(entry.space_id, []).append(entry)
    return render_template("desk/waiting_lines.html", lines=list(by_space.values()), now=now,
                           places=waitlist.positions(db.session, entries),
                           remove_form=RemoveWaitlistEntryForm())


@bp.route("/waitlist/<int:entry_id>/remove", methods=["POST"])
@role_required("comanager")
def remove_waitlist_entry(entry_id: int):
    entry = _entry_or_403(entry_id)
    form = RemoveWaitlistEntryForm()
    if not form.validate_on_submit():
        flash(_("Say why the entry is removed: the member will read it."), "error")
        return redirect(url_for("desk.waiting_lines"))
    with user_action(_("%(name)s is off the waiting list and was told why.",
                       name=entry.member.name)):
        waitlist.remove_entry(db.session, entry, actor=current_user, reason=form.reason.data,
                              now=clock.now())
    return redirect(url_for("desk.waiting_lines"))


def _entry_or_403(entry_id: int):
    return found_or_abort(lambda: waitlist.entry_for(db.session, entry_id, current_user),
                          waitlist.WaitlistNotAllowed)


@bp.route("/waitlist/<int:entry_id>/leave", methods=["POST"])
@login_required
def leave_waitlist(entry_id: int):
    entry = _entry_or_403(entry_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_action(_("You left the waiting list for this time.")):
        waitlist.leave_waitlist(db.session, entry, actor=current_user, now=clock.now())
    return redirect(url_for("desk.my_waitlist"))


@bp.route("/waitlist/<int:entry_id>/accept", methods=["POST"])
@login_required
def accept_offer(entry_id: int):
    entry = _entry_or_403(entry_id)
    form = AcceptOfferForm()
    if not form.validate_on_submit():
        flash(_("Say in a few words what the booking is for."), "error")
        return redirect(url_for("desk.my_waitlist"))
    with user_action() as done:
        booking = waitlist.accept_offer(db.session, entry, member=current_user,
                                        title=form.title.data, now=clock.now(),
                                        tz=current_tz())
    if not done:
        return redirect(url_for("desk.my_waitlist"))
    flash(_("Booked: the time you waited for is yours."), "success")
    return redirect(url_for("bookings.detail", booking_id=booking.id))
