"""The cooperative's settings, kept by co-managers."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..actions import user_action
from ..domain.accounts import update_settings
from ..extensions import db
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
    if form.validate_on_submit():
        with user_action(_("Settings saved."), form.contribution_rate) as done:
            update_settings(db.session, current_user, name=form.name.data,
                            timezone=form.timezone.data, currency=form.currency.data,
                            contact_email=form.contact_email.data,
                            contact_address=form.contact_address.data,
                            contribution_rate_cents=form.contribution_rate.cents,
                            bank_account_holder=form.bank_account_holder.data or "",
                            bank_iban=form.bank_iban.data or "", bank_bic=form.bank_bic.data or "")
        if done:
            return redirect(url_for("settings.edit"))
    return render_template("settings/edit.html", form=form)
