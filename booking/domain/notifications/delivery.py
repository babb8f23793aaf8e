"""Sending the outbox by e-mail, after commit, from a worker.

Each row is claimed with one conditional UPDATE (state due, attempts unchanged) whose row count
says whether this worker won it, so two workers never send the same notification. A failure is
retried with exponential backoff; after `max_attempts` the row is dead and listed for admins.
The mail is rendered at sending time in the member's language (their profile's, else the
cooperative's default), with plain text, HTML, a List-Unsubscribe header and, for bookings,
an iTIP calendar invitation.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from ...models import Notification
from ..accounts import get_settings
from .invites import Invitation, itip_calendar
from .kinds import KINDS, Formatter
from .outbox import ADDED_FLAG, preference_of

log = logging.getLogger(__name__)
DUE_STATES = ("pending", "failed")
LEASE = timedelta(minutes=10)  # a claimed row is retried after this if its worker died
PREFERENCES_PATH = "/notifications/preferences"
Send = Callable[[EmailMessage], None]


@dataclass(frozen=True)
class MailContext:
    """What rendering and retrying need besides the row: read once per delivery run."""

    base_url: str
    sender: str
    default_locale: str
    coop_name: str
    timezone: str
    currency: str
    max_attempts: int = 5
    retry_seconds: int = 60

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"


def mail_context(session: Session) -> MailContext:
    config = current_app.config
    settings = get_settings(session, config["TIMEZONE"], config["CURRENCY"])
    return MailContext(
        base_url=config["BASE_URL"], sender=config["MAIL_DEFAULT_SENDER"],
        default_locale=config["BABEL_DEFAULT_LOCALE"], coop_name=settings.name,
        timezone=settings.timezone, currency=settings.currency,
        max_attempts=config["NOTIFY_MAX_ATTEMPTS"], retry_seconds=config["NOTIFY_RETRY_SECONDS"])


def render(row: Notification, formatter: Formatter) -> tuple[str, list[str]]:
    """Title and paragraphs in the current locale (the caller forces the reader's)."""
    kind = KINDS[row.kind]
    return str(kind.title(row.params, formatter)), [str(p) for p in kind.body(row.params,
                                                                             formatter)]


def absolute(base_url: str, link: str) -> str:
    return base_url + link if link.startswith("/") else link


def build_message(row: Notification, context: MailContext, now: datetime) -> EmailMessage:
    """The mail for one notification, in the member's language."""
    member = row.member
    locale = member.locale or context.default_locale
    formatter = Formatter(locale, context.timezone, context.currency)
    with force_locale(locale):
        title, paragraphs = render(row, formatter)
        link = absolute(context.base_url, row.link) if row.link else ""
        preferences = context.base_url + PREFERENCES_PATH
        greeting = _("Hello %(name)s,", name=member.name)
        open_line = _("See it on %(coop)s: %(url)s", coop=context.coop_name, url=link)
        footer = _("You receive this e-mail from %(coop)s. Choose what you receive: %(url)s",
                   coop=context.coop_name, url=preferences)
        text = "\n\n".join([greeting, *paragraphs, *([open_line] if link else []),
                            "-- \n" + footer]) + "\n"
        html = current_app.jinja_env.get_template("notifications/email.html").render(
            title=title, greeting=greeting, paragraphs=paragraphs, link=link,
            link_text=_("Open in %(coop)s", coop=context.coop_name), footer=footer,
            lang=locale)
        invitations = _invitations(row, context, link, now)
    message = EmailMessage()
    message["From"] = formataddr((context.coop_name, context.sender))
    message["To"] = formataddr((member.name, member.email))
    message["Subject"] = title
    message["Message-ID"] = make_msgid(f"notification-{row.id}", domain=context.host)
    message["List-Unsubscribe"] = f"<{preferences}>"
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = locale
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for method, name, data in invitations:
        message.add_attachment(data, maintype="text", subtype="calendar", filename=name,
                               params={"method": method})
    return message


def _invitations(row: Notification, context: MailContext, link: str,
                 now: datetime) -> list[tuple[str, str, bytes]]:
    method = KINDS[row.kind].itip
    if method is None or not row.params.get("dates"):
        return []
    p = row.params
    invitation = Invitation(
        method=method, host=context.host, organizer_email=context.sender,
        organizer_name=context.coop_name, attendee_email=row.member.email,
        attendee_name=row.member.name,
        summary=_("%(title)s · %(space)s", title=p["title"], space=p["space"]),
        location=", ".join(part for part in (p["space"], p.get("address", "")) if part),
        description=_("Booking page: %(url)s", url=link), url=link)
    files = []
    for date in p["dates"]:
        page = absolute(context.base_url, f"/bookings/{date['booking_id']}")
        one = Invitation(**{**invitation.__dict__, "url": page,
                            "description": _("Booking page: %(url)s", url=page)})
        files.append((method, f"booking-{date['booking_id']}.ics",
                      itip_calendar(one, date, now)))
    return files


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0  # the member wants no e-mail of this kind, or is deactivated
    lost: int = 0  # claimed by another worker first


def _claim(session: Session, row_id: int, attempts: int, now: datetime) -> bool:
    """Take the row for this worker: only one UPDATE can match state and attempts."""
    result = session.execute(
        update(Notification)
        .where(Notification.id == row_id, Notification.email_state.in_(DUE_STATES),
               Notification.attempts == attempts)
        .values(attempts=attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def deliver_due(session: Session, now: datetime, send: Send | None = None, *,
                context: MailContext | None = None, batch: int = 100) -> DeliveryReport:
    """Send the notifications due by `now`, each at most once; commits row by row.

    This is the worker's job, not a user action: it owns its transactions."""
    context = context or mail_context(session)
    send = send or smtp_sender()
    due = session.execute(
        select(Notification.id, Notification.attempts)
        .where(Notification.email_state.in_(DUE_STATES),
               (Notification.next_attempt_at.is_(None)) | (Notification.next_attempt_at <= now))
        .order_by(Notification.id).limit(batch)).all()
    session.commit()
    report = DeliveryReport()
    for row_id, attempts in due:
        if not _claim(session, row_id, attempts, now):
            report.lost += 1
            continue
        row = session.execute(select(Notification).options(joinedload(Notification.member))
                              .where(Notification.id == row_id)).scalar_one()
        if not (row.member.active and preference_of(session, row.member_id, row.kind)[0]):
            row.email_state, row.next_attempt_at = "skipped", None
            report.skipped += 1
            session.commit()
            continue
        try:
            send(build_message(row, context, now))
        except Exception as error:  # any failure is retried, then shown to admins
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            if row.attempts >= context.max_attempts:
                row.email_state, row.next_attempt_at = "dead", None
                report.dead += 1
                log.warning("Notification %s is dead after %s attempts: %s", row.id,
                            row.attempts, row.last_error)
            else:
                row.email_state = "failed"
                row.next_attempt_at = now + timedelta(
                    seconds=context.retry_seconds * 2 ** (row.attempts - 1))
                report.failed += 1
        else:
            row.email_state, row.sent_at, row.next_attempt_at = "sent", now, None
            row.last_error = ""
            report.sent += 1
        session.commit()
    return report


def smtp_sender() -> Send:
    """SMTP with the MAIL_* settings; without MAIL_SERVER, the mail is written to the log
    (and kept in `app.extensions["outbox"]` under tests, like booking/mail.py does)."""
    app = current_app._get_current_object()
    config = app.config

    def send(message: EmailMessage) -> None:
        if not config.get("MAIL_SERVER"):
            body = message.get_body(("plain",)).get_content()
            app.logger.info("Mail to %s (MAIL_SERVER not set, logged instead)\nSubject: %s\n\n%s",
                            message["To"], message["Subject"], body)
            if app.testing:
                app.extensions.setdefault("outbox", []).append(
                    (message["To"].addresses[0].addr_spec, str(message["Subject"]), body))
            return
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                        timeout=config.get("MAIL_TIMEOUT_SECONDS", 20)) as smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)

    return send


# --- dead letters, for admins ----------------------------------------------------------------

def dead_notifications(session: Session, limit: int = 200) -> list[Notification]:
    return list(session.execute(
        select(Notification).options(joinedload(Notification.member))
        .where(Notification.email_state == "dead")
        .order_by(Notification.id.desc()).limit(limit)).scalars())


def retry_dead(session: Session, notification_id: int) -> bool:
    """Give a dead notification a fresh set of attempts; False when it is not dead."""
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.email_state == "dead")
        .values(email_state="pending", attempts=0, next_attempt_at=None)
        .execution_options(synchronize_session=False))
    session.info[ADDED_FLAG] = True
    return result.rowcount == 1
