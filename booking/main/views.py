"""The home page: what a member needs first."""
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import clock
from ..api.openapi import build_document
from ..domain import quotas
from ..domain.bookings import awaiting_approval_count, upcoming_bookings
from ..domain.ledger import member_balance
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
        balance_cents=member_balance(db.session, current_user.id),
        describe_rule=quotas.describe_rule, describe_period=quotas.describe_period)


@bp.route("/help/api")
def api_docs():
    """The API's description as a page people can read, built from the same OpenAPI document
    the API serves at /api/v1/openapi.json (so the two cannot drift apart)."""
    document = build_document(current_app.config["BASE_URL"])
    operations = [(path, method.upper(), op) for path, methods in document["paths"].items()
                  for method, op in methods.items()]
    tags = sorted({op["tags"][0] for _path, _method, op in operations})
    return render_template("main/api_docs.html", document=document, operations=operations,
                           tags=tags)
