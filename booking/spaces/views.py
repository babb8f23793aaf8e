"""Co-managers set up spaces and closures; everyone sees the list of spaces."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..domain import bookings as booking_rules
from ..domain import spaces as space_rules
from ..domain.errors import DomainError
from ..extensions import db
from ..forms import EmptyForm, choices
from ..mail import send_mail
from ..models import Booking, Closure, Space
from ..models.types import utcnow
from ..security import role_required
from ..timezones import from_local
from .forms import KIND_LABELS, ClosureCancelForm, ClosureForm, SpaceForm

bp = Blueprint("spaces", __name__, url_prefix="/spaces")


@bp.route("/")
@login_required
def list_spaces():
    query = select(Space).order_by(Space.kind, Space.name)
    if not current_user.is_comanager:
        query = query.where(Space.active.is_(True))
    spaces = db.session.execute(query).scalars().all()
    return render_template("spaces/list.html", spaces=spaces, kind_labels=KIND_LABELS)


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
        try:
            saved = space_rules.save_space(db.session, current_user, space, _space_values(form))
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
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
    space_rules.set_space_active(db.session, current_user, space, active)
    db.session.commit()
    flash(_("“%(name)s” is back in use.", name=space.name) if active else
          _("“%(name)s” is archived: its history is kept, it takes no new bookings.",
            name=space.name), "success")
    return redirect(url_for("spaces.list_spaces"))


@bp.route("/closures", methods=["GET", "POST"])
@role_required("comanager")
def closures():
    form = ClosureForm()
    spaces = db.session.execute(select(Space).where(Space.active.is_(True))
                                .order_by(Space.name)).scalars().all()
    form.space_id.choices = choices([(0, _("All spaces"))] + [(s.id, s.name) for s in spaces])
    if form.validate_on_submit():
        try:
            closure = booking_rules.create_closure(
                db.session, actor=current_user, space_id=form.space_id.data or None,
                start=from_local(form.start.data), end=from_local(form.end.data),
                reason=form.reason.data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            form.end.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Closure added."), "success")
            return redirect(url_for("spaces.closure", closure_id=closure.id))
    upcoming = db.session.execute(
        select(Closure).options(joinedload(Closure.space))
        .where(Closure.end_at > utcnow()).order_by(Closure.start_at)).scalars().all()
    hits = dict(db.session.execute(
        select(Closure.id, func.count(Booking.id)).join(
            Booking, (Booking.start_at < Closure.end_at) & (Booking.end_at > Closure.start_at)
            & Booking.status.in_(("pending", "confirmed"))
            & ((Closure.space_id.is_(None)) | (Booking.space_id == Closure.space_id)))
        .where(Closure.end_at > utcnow()).group_by(Closure.id)).all())
    return render_template("spaces/closures.html", form=form, closures=upcoming, hits=hits)


@bp.route("/closures/<int:closure_id>", methods=["GET", "POST"])
@role_required("comanager")
def closure(closure_id: int):
    closure = db.get_or_404(Closure, closure_id)
    form = ClosureCancelForm()
    if form.validate_on_submit():
        cancelled = booking_rules.cancel_for_closure(
            db.session, closure, actor=current_user, message=form.message.data, now=utcnow())
        db.session.commit()
        for booking in cancelled:
            send_mail(booking.member.email, _("Your booking is cancelled: %(space)s closed",
                                              space=booking.space.name),
                      _("Hello %(name)s,\n\nYour booking “%(title)s” is cancelled because the "
                        "space is closed (%(reason)s).\n\n%(message)s\n",
                        name=booking.member.name, title=booking.title, reason=closure.reason,
                        message=form.message.data))
        flash(_("%(n)d bookings cancelled; their members were told.", n=len(cancelled)),
              "success")
        return redirect(url_for("spaces.closure", closure_id=closure.id))
    hit = booking_rules.bookings_hit_by(db.session, closure.space_id, closure.start_at,
                                        closure.end_at)
    return render_template("spaces/closure.html", closure=closure, hit=hit, form=form)


@bp.route("/closures/<int:closure_id>/delete", methods=["POST"])
@role_required("comanager")
def delete_closure(closure_id: int):
    closure = db.get_or_404(Closure, closure_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(closure)
    db.session.commit()
    flash(_("Closure removed: the space can be booked again at that time."), "success")
    return redirect(url_for("spaces.closures"))
