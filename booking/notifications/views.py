"""The member's notifications (the bell, the list, their preferences) and, for admins, the
e-mails that could not be delivered."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..actions import user_action
from ..domain import notifications as outbox
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import cooperative_settings
from ..security import role_required

bp = Blueprint("notifications", __name__)
REMINDER_CHOICES = (15, 30, 60, 120, 240, 720, 1440, 2880, 10080)


@bp.app_context_processor
def _bell():
    def unread_notifications() -> int:
        """The bell's count: one query per request, only for pages that show the bell."""
        if "unread_notifications" not in g:
            g.unread_notifications = (outbox.unread_count(db.session, current_user.id)
                                      if current_user.is_authenticated else 0)
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


def formatter() -> outbox.Formatter:
    settings = cooperative_settings()
    return outbox.Formatter(str(get_locale()), settings.timezone, settings.currency)


def rendered(rows) -> list[dict]:
    """Each row with its title and text in the reader's language."""
    fmt = formatter()
    items = []
    for row in rows:
        title, paragraphs = outbox.render(row, fmt)
        items.append({"row": row, "title": title, "paragraphs": paragraphs})
    return items


@bp.route("/notifications")
@login_required
def index():
    rows = outbox.notifications_of(db.session, current_user.id)
    return render_template("notifications/list.html", items=rendered(rows))


def _safe_link(link: str) -> str:
    return link if link.startswith("/") and not link.startswith("//") else url_for(".index")


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        link = outbox.mark_read(db.session, current_user.id, notification_id, clock.now()).link
    except outbox.NotificationNotFound:
        abort(404)
    db.session.commit()
    if request.form.get("open") and link:
        return redirect(_safe_link(link))
    return redirect(url_for(".index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    outbox.mark_all_read(db.session, current_user.id, clock.now())
    db.session.commit()
    flash(_("All notifications marked read."), "success")
    return redirect(url_for(".index"))


def _reminder_choices(current: int | None) -> list[int]:
    choices = list(REMINDER_CHOICES)
    if current is not None and current not in choices:
        choices = sorted([*choices, current])
    return choices


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = EmptyForm()
    if form.validate_on_submit():
        kinds = {kind.name: {"email": f"email-{kind.name}" in request.form,
                             "app": f"app-{kind.name}" in request.form}
                 for kind in outbox.kinds_for(current_user.is_comanager)}
        raw = request.form.get("reminder_minutes", "")
        minutes = int(raw) if raw.isdigit() else None
        with user_action(_("Your choices are saved.")) as done:
            outbox.save_preferences(db.session, current_user, kinds, minutes)
        if done:
            return redirect(url_for(".preferences"))
    saved = outbox.preferences_of(db.session, current_user)
    return render_template("notifications/preferences.html", form=form, saved=saved,
                           kinds=outbox.kinds_for(current_user.is_comanager),
                           reminder_choices=_reminder_choices(saved.reminder_minutes))


@bp.route("/admin/notifications/dead")
@role_required("admin")
def dead():
    return render_template("notifications/dead.html",
                           items=rendered(outbox.dead_notifications(db.session)))


@bp.route("/admin/notifications/<int:notification_id>/retry", methods=["POST"])
@role_required("admin")
def retry(notification_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if outbox.retry_dead(db.session, notification_id):
        flash(_("The e-mail will be sent again."), "success")
    db.session.commit()
    return redirect(url_for(".dead"))
