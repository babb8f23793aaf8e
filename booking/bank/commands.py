"""`flask remind-payments`: accounts owing too much for too long get a polite reminder with
the payment details (through the notification queue once it lands; listed meanwhile)."""
import click

from .. import clock
from ..domain import bank
from ..extensions import db
from ..timezones import to_local
from .views import bp

__all__ = ["bp", "remind_payments"]


@bp.cli.command("remind-payments")
@click.option("--threshold", default=50.0, show_default=True,
              help="Remind accounts owing more than this, in euros.")
@click.option("--days", default=30, show_default=True,
              help="...for more than this many days.")
def remind_payments(threshold: float, days: int) -> None:
    from ..domain.bank.notices import notify_payment_reminder

    today = to_local(clock.now()).date()
    owing = bank.members_to_remind(db.session, threshold_cents=round(threshold * 100),
                                   days=days, today=today)
    for member, due in owing:
        notify_payment_reminder(member, due)
        click.echo(f"{member.email}\t{due / 100:.2f}")
    db.session.commit()
    click.echo(f"{len(owing)} reminder(s).")
