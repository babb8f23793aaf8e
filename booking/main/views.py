"""The home page: what a member needs first."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..domain import quotas
from ..extensions import db
from ..models import ACTIVE_STATUSES, Booking
from ..timezones import current_tz

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    now = clock.now()
    upcoming = db.session.execute(
        select(Booking).options(joinedload(Booking.space))
        .where(Booking.member_id == current_user.id, Booking.end_at > now,
               Booking.status.in_(ACTIVE_STATUSES))
        .order_by(Booking.start_at).limit(5)).scalars().all()
    pending_count = 0
    if current_user.is_comanager:
        pending_count = db.session.execute(select(func.count(Booking.id)).where(
            Booking.status == "pending", Booking.end_at > now)).scalar()
    tz = current_tz()
    return render_template(
        "main/dashboard.html", upcoming=upcoming, pending_count=pending_count,
        statuses=quotas.quota_overview(db.session, current_user, tz, now), tz=tz,
        describe_rule=quotas.describe_rule, describe_period=quotas.describe_period)
