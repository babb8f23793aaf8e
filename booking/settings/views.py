"""The cooperative's settings, kept by co-managers."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.accounts import record_audit
from ..extensions import db
from ..forms import parse_decimal
from ..i18n import cooperative_settings
from ..security import role_required
from .forms import SettingsForm

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("/", methods=["GET", "POST"])
@role_required("comanager")
def edit():
    settings = cooperative_settings()
    form = SettingsForm(obj=settings)
    if request.method == "GET":
        form.contribution_rate.data = f"{settings.contribution_rate_cents / 100:.2f}"
    rate = parse_decimal(form.contribution_rate.data) if request.method == "POST" else None
    if request.method == "POST" and (rate is None or rate < 0 or rate > 1000):
        form.contribution_rate.errors = [_("Write an amount in euros such as 15 or 12,50.")]
    elif form.validate_on_submit():
        del form.contribution_rate
        settings.contribution_rate_cents = int(rate * 100)
        form.populate_obj(settings)
        settings.contact_email = settings.contact_email or ""
        settings.contact_address = settings.contact_address or ""
        db.session.add(settings)
        record_audit(db.session, current_user, "settings.update", "settings", 1)
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("settings.edit"))
    return render_template("settings/edit.html", form=form)
