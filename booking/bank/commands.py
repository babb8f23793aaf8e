"""`flask remind-payments`: accounts owing too much for too long get a polite reminder with
the payment details, through the notification outbox (in the app and by e-mail), at most once
per `--days` window however often it runs."""
import click

from .. import clock
from ..domain import bank
from ..extensions import db
from ..i18n import cooperative_settings
from ..timezones import to_local
from .views import bp

__all__ = ["bp", "remind_payments"]


@bp.cli.command("remind-payments")
@click.option("--threshold", default=50.0, show_default=True,
              help="Remind accounts owing more than this, in euros.")
@click.option("--days", default=30, show_default=True,
              help="...for more than this many days.")
def remind_payments(threshold: float, days: int) -> None:
    """Send a payment reminder, with the payment details, to each account owing more than
    --threshold euros for more than --days days (an organisation that pays for its members:
    to each of them). Run it daily: a reminder goes once per --days window. Refused while the
    cooperative's IBAN is not in the settings."""
    today = to_local(clock.now()).date()
    settings = cooperative_settings()
    if not settings.bank_iban:
        raise click.ClickException("The cooperative's IBAN is not set (Settings): a reminder "
                                   "would not say where to pay. Nothing was sent.")
    owing = bank.members_to_remind(db.session, threshold_cents=round(threshold * 100),
                                   days=days, today=today)
    sent = 0
    for member, due in owing:
        pay = bank.payment_instructions(db.session, settings, member=member)
        new = bank.notify_payment_reminder(db.session, member, pay, today=today, days=days)
        sent += new
        click.echo(f"{member.email}\t{due / 100:.2f}\t{'queued' if new else 'already sent'}")
    db.session.commit()
    click.echo(f"{sent} reminder(s).")
