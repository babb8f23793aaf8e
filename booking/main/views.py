"""The home page: what a member needs first."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import clock
from ..domain import quotas
from ..domain.bookings import awaiting_approval_count, upcoming_bookings
from ..extensions import db
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
    upcoming = upcoming_bookings(db.session, current_user.id, now, active_only=True, limit=5,
                                 organisation_id=current_user.organisation_id)
    pending_count = awaiting_approval_count(db.session, now) if current_user.is_comanager else 0
    tz = current_tz()
    return render_template(
        "main/dashboard.html", upcoming=upcoming, pending_count=pending_count,
        statuses=quotas.quota_overview(db.session, current_user, tz, now), tz=tz,
        describe_rule=quotas.describe_rule, describe_period=quotas.describe_period)
