"""Outgoing mail: SMTP when MAIL_SERVER is set. Without one, a mail is not sent: in debug
(a laptop) it is written to the log so invitations can be tried; otherwise the log says only
that it was not sent, since reset and invitation links are secrets."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        if current_app.debug:
            current_app.logger.info(
                "Mail to %s (MAIL_SERVER not set, logged instead)\nSubject: %s\n\n%s",
                to, subject, body)
        else:
            current_app.logger.warning(
                "Mail to %s not sent (subject: %s): MAIL_SERVER is not set. Set MAIL_SERVER, "
                "MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD and MAIL_DEFAULT_SENDER to send mail.",
                to, subject)
        if current_app.testing:
            current_app.extensions.setdefault("outbox", []).append((to, subject, body))
        return
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
