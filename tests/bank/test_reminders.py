"""Reminders and notices: accounts owing more than a threshold for more than N days get the
payment details through the notification outbox; a matched transfer tells its payer."""
from datetime import date

from sqlalchemy import select

from booking.domain import bank
from booking.domain.notifications import Formatter, render
from booking.extensions import db
from booking.models import LedgerEntry, Notification, Organisation

from .conftest import SAMPLE, charge


def _notes(kind):
    return list(db.session.execute(select(Notification).where(Notification.kind == kind)
                                   .order_by(Notification.id)).scalars())


def test_only_accounts_owing_long_enough_are_reminded(app, make_member):
    old, recent, small = make_member(name="Old"), make_member(name="Recent"), make_member()
    charge(old, 9000, date(2027, 1, 1))
    charge(recent, 9000, date(2027, 2, 25))
    charge(small, 1000, date(2027, 1, 1))
    owing = bank.members_to_remind(db.session, threshold_cents=5000, days=30,
                                   today=date(2027, 3, 1))
    assert [(m.id, due) for m, due in owing] == [(old.id, 9000)]


def test_remind_payments_queues_a_reminder_with_the_payment_details_once(
        app, runner, make_member, coop_account):
    member = make_member(email="late@example.org")
    charge(member, 9000, date(2020, 1, 1))
    result = runner.invoke(args=["remind-payments", "--threshold", "50", "--days", "30"])
    assert result.exit_code == 0
    assert "late@example.org\t90.00\tqueued" in result.output
    assert "1 reminder(s)." in result.output
    [note] = _notes("payment_reminder")
    assert note.member_id == member.id and note.email_state == "pending"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        title, body = render(note, Formatter("en", "Europe/Brussels"))
    assert title == "Amount due: €90.00"
    text = " ".join(body)
    assert "BE68 5390 0754 7034" in text and "GKCCBEBB" in text
    assert bank.communication_for(db.session, member=member).digits[:3] in text
    # Run again the same day (a daily cron): nothing is sent twice.
    again = runner.invoke(args=["remind-payments", "--threshold", "50", "--days", "30"])
    assert "already sent" in again.output and "0 reminder(s)." in again.output
    assert len(_notes("payment_reminder")) == 1


def test_an_organisation_that_owes_reminds_its_members_with_its_details(
        app, runner, make_member, coop_account):
    company = Organisation(name="Compagnie du Nord", pays_for_members=True)
    db.session.add(company)
    db.session.flush()
    actor = make_member(email="actor@example.org", organisation_id=company.id)
    db.session.add(LedgerEntry(organisation_id=company.id, amount_cents=12000, kind="fee",
                               entry_date=date(2020, 1, 1), description="Cotisation"))
    db.session.commit()
    owing = bank.members_to_remind(db.session, threshold_cents=5000, days=30,
                                   today=date(2027, 3, 1))
    assert [(m.id, due) for m, due in owing] == [(actor.id, 12000)]
    result = runner.invoke(args=["remind-payments"])
    assert "actor@example.org\t120.00\tqueued" in result.output
    [note] = _notes("payment_reminder")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        title, body = render(note, Formatter("en", "Europe/Brussels"))
    assert title == "Amount due: €120.00"
    digits = bank.communication_for(db.session, organisation=company).digits
    assert bank.formatted(digits) in " ".join(body)


def test_no_reminder_while_the_cooperatives_iban_is_not_set(app, runner, make_member):
    member = make_member(email="late@example.org")
    charge(member, 9000, date(2020, 1, 1))
    result = runner.invoke(args=["remind-payments"])
    assert result.exit_code != 0 and "IBAN" in result.output
    assert _notes("payment_reminder") == []


def test_remind_payments_has_a_help_text(app, runner):
    result = runner.invoke(args=["remind-payments", "--help"])
    assert result.exit_code == 0 and "reminder" in result.output.split("Options:")[0]


def test_a_matched_transfer_tells_its_payer_once(app, sample_people, comanager):
    lea, jan, _sofia = sample_people
    _fmt, statements = bank.read_statement_file(db.session, SAMPLE.read_bytes(), "camt053")
    bank.import_statements(db.session, statements, fmt="camt053", file_name="x.xml",
                           actor=comanager)
    db.session.commit()
    notes = _notes("payment_matched")
    assert sorted((n.member_id, n.params["amount_cents"]) for n in notes) == sorted(
        [(lea.id, 8640), (lea.id, 12000), (jan.id, 4550)])
    # The bank notice replaces "a co-manager recorded your payment": one message, not two.
    assert _notes("payment_recorded") == []
    with app.test_request_context():
        title, body = render(notes[0], Formatter("fr", "Europe/Brussels"))
    assert "Virement reçu" in title and "compté comme votre paiement" in body[0]


def test_assigning_a_queued_line_tells_the_payer(app, sample_people, comanager):
    _lea, _jan, sofia = sample_people
    _fmt, statements = bank.read_statement_file(db.session, SAMPLE.read_bytes(), "camt053")
    bank.import_statements(db.session, statements, fmt="camt053", file_name="x.xml",
                           actor=comanager)
    [line] = bank.lines_waiting(db.session, "queued")
    bank.assign_line(db.session, line, actor=comanager, member_id=sofia.id)
    db.session.commit()
    assert [n.params["amount_cents"] for n in _notes("payment_matched")
            if n.member_id == sofia.id] == [5000]
