"""Importing statements: payments with their source, idempotence, the matching order."""
from datetime import date

import pytest
from sqlalchemy import func, select

from booking.domain import bank, ledger
from booking.extensions import db
from booking.models import BankLine, BankLinePayment, ClosedMonth, CsvMapping, LedgerEntry, Payment

from .conftest import (
    JAN_COMMUNICATION,
    LEA_COMMUNICATION,
    SAMPLE,
    with_closing_balance,
    without_balances,
)


def _import(comanager, content=None, fmt="camt053"):
    _fmt, statements = bank.read_statement_file(db.session, content or SAMPLE.read_bytes(),
                                                fmt)
    result = bank.import_statements(db.session, statements, fmt=_fmt, file_name="x.xml",
                                    actor=comanager)
    db.session.commit()
    return result


def test_sample_import_records_payments_with_the_line_as_source(sample_people, comanager):
    lea, jan, sofia = sample_people
    result = _import(comanager)
    assert (result.lines, result.matched, result.queued, result.duplicates) == (6, 3, 1, 0)
    assert (result.debits, result.returned) == (1, 1)
    assert sorted((p.payment.member_id, p.payment.amount_cents, p.matched_by)
                  for p in result.payments) == sorted([
        (lea.id, 8640, "communication"), (lea.id, 12000, "communication"),
        (jan.id, 4550, "communication")])
    for imported in result.payments:
        link = db.session.execute(select(BankLinePayment).where(
            BankLinePayment.payment_id == imported.payment.id)).scalar_one()
        assert link.line.amount_cents == imported.payment.amount_cents
        assert imported.payment.status == "confirmed" and imported.payment.method == "transfer"
    # Léa owed 206,40 and paid 86,40 + 120,00.
    assert ledger.member_balance(db.session, lea.id) == 0
    # Jan's 45,50 came back: the payment is reversed, he owes it again.
    assert ledger.member_balance(db.session, jan.id) == 4550
    reversal = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.kind == "reversal")).scalar_one()
    assert reversal.member_id == jan.id and reversal.amount_cents == 4550
    # Sofia's transfer has no communication: proposed by name and amount, not paid.
    queued = db.session.execute(select(BankLine).where(BankLine.status == "queued")
                                ).scalar_one()
    assert queued.proposed_member_id == sofia.id
    assert ledger.member_balance(db.session, sofia.id) == 5000
    rent = db.session.execute(select(BankLine).where(BankLine.status == "debit")).scalar_one()
    assert rent.amount_cents == -35000


def test_importing_twice_creates_nothing_twice(sample_people, comanager):
    _import(comanager)
    counts = (db.session.scalar(select(func.count(BankLine.id))),
              db.session.scalar(select(func.count(Payment.id))),
              db.session.scalar(select(func.count(LedgerEntry.id))))
    again = _import(comanager)
    assert (again.lines, again.matched, again.queued, again.duplicates) == (6, 0, 0, 6)
    assert again.payments == []
    assert counts == (db.session.scalar(select(func.count(BankLine.id))),
                      db.session.scalar(select(func.count(Payment.id))),
                      db.session.scalar(select(func.count(LedgerEntry.id))))


def _one_credit(iban, communication="", name="X", amount="30.00", ref="R1"):
    text = without_balances(SAMPLE.read_text())
    head, entries = text[:text.index("<Ntry>")], text[text.index("</Stmt>"):]
    rmt = (f"<RmtInf><Ustrd>{communication}</Ustrd></RmtInf>" if communication else "")
    entry = (f"<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
             f"<BookgDt><Dt>2027-03-03</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>"
             f"<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id>"
             f"<IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>{rmt}</TxDtls></NtryDtls></Ntry>")
    return (head + entry + entries).encode()


def test_known_iban_matches_when_there_is_no_communication(sample_people, comanager):
    lea, _jan, _sofia = sample_people
    _import(comanager)  # Léa paid from BE71096123456769 with her communication
    result = _import(comanager, _one_credit("BE71096123456769", name="DUPONT L"))
    assert [(p.payment.member_id, p.matched_by) for p in result.payments] == [
        (lea.id, "iban")]


def test_communication_wins_over_a_known_iban(sample_people, comanager):
    lea, jan, _sofia = sample_people
    _import(comanager)
    # From Léa's IBAN, but with Jan's communication: it pays Jan's account.
    result = _import(comanager, _one_credit("BE71096123456769", "+++101/0000/00114+++"))
    assert [(p.payment.member_id, p.matched_by) for p in result.payments] == [
        (jan.id, "communication")]


def test_unknown_sender_is_queued_with_a_proposal_not_paid(sample_people, comanager):
    _lea, jan, _sofia = sample_people
    result = _import(comanager, _one_credit("BE35363070780637", name="PEETERS JAN",
                                            amount="45.50"))
    assert (result.matched, result.queued) == (0, 1)
    line = db.session.execute(select(BankLine)).scalar_one()
    assert line.status == "queued" and line.proposed_member_id == jan.id


def test_a_closed_month_leaves_the_line_for_a_person(sample_people, comanager):
    db.session.add(ClosedMonth(month=date(2027, 3, 1)))
    db.session.commit()
    result = _import(comanager, _one_credit("BE00", "+++090/9337/55493+++"))
    assert (result.matched, result.queued) == (0, 1)
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    # Assigned by a co-manager: counted in the first open month, the bank's date kept.
    lea = sample_people[0]
    [line] = bank.lines_waiting(db.session, "queued")
    [payment] = bank.assign_line(db.session, line, actor=comanager, member_id=lea.id)
    db.session.commit()
    entry = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.payment_id == payment.id)).scalar_one()
    assert (payment.paid_on, entry.entry_date) == (date(2027, 3, 3), date(2027, 4, 1))
    assert "3 mars 2027" in entry.description


def test_a_transfer_returned_in_a_closed_month_is_reversed_in_the_first_open_one(
        sample_people, comanager):
    _lea, jan, _sofia = sample_people
    text = SAMPLE.read_text()
    cut = text.rindex("<Ntry>", 0, text.index("<NtryRef>0005"))  # the returned transfer
    end = text.index("</Stmt>")
    first = without_balances(text[:cut] + text[end:]).encode()
    returned = without_balances(text[:text.index("<Ntry>")] + text[cut:]).encode()
    _import(comanager, first)
    assert ledger.member_balance(db.session, jan.id) == 0
    db.session.add(ClosedMonth(month=date(2027, 2, 1)))
    db.session.commit()
    result = _import(comanager, returned)
    assert result.returned == 1
    reversal = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.kind == "reversal")).scalar_one()
    assert reversal.entry_date == date(2027, 3, 1) and reversal.member_id == jan.id
    assert ledger.member_balance(db.session, jan.id) == 4550


def test_csv_import_with_the_banks_mapping_and_hash_dedup(sample_people, comanager):
    lea, _jan, _sofia = sample_people
    db.session.add(CsvMapping(bank_name="Belfius", delimiter=";", date_column="Date",
                              date_format="%d/%m/%Y", amount_column="Montant",
                              decimal_comma=True, name_column="Nom", iban_column="Compte",
                              communication_column="Communication", reference_column=""))
    db.session.commit()
    content = ("Date;Montant;Nom;Compte;Communication\n"
               "03/03/2027;1.030,50;DUPONT LEA;BE71 0961 2345 6769;+++090/9337/55493+++\n"
               "04/03/2027;-12,00;BANQUE;;Frais\n").encode("utf-8-sig")
    result = _import(comanager, content, fmt="csv")
    assert (result.lines, result.matched, result.debits) == (2, 1, 1)
    assert result.payments[0].payment.amount_cents == 103050
    assert result.payments[0].payment.member_id == lea.id
    assert _import(comanager, content, fmt="csv").duplicates == 2


def _many_credits(count: int, prefix: str) -> bytes:
    """The sample with Léa's free-text transfer repeated `count` times, each its reference."""
    content = without_balances(SAMPLE.read_text())
    start, end = content.index("<Ntry>"), content.rindex("</Ntry>") + len("</Ntry>")
    second = content.index("<Ntry>", start + 1)  # the free-text transfer of Léa
    entry = content[second:content.index("</Ntry>", second) + len("</Ntry>")]
    many = "".join(entry.replace("2027020700102", f"{prefix}{i}") for i in range(count))
    return (content[:start] + many + content[end:]).encode()


def test_import_writes_in_batches(sample_people, comanager, count_queries):
    """Matching data is read once per import and the rows are written in batches, on every
    database: 40 lines cost the statements 10 do, a few dozen, with one INSERT of the lines
    and one of the payments."""
    with count_queries() as ten:
        assert _import(comanager, _many_credits(10, "A")).matched == 10
    with count_queries() as forty:
        assert _import(comanager, _many_credits(40, "B")).matched == 40
    assert forty.count == ten.count <= 30
    for table in ("BANK_LINES", "PAYMENTS"):
        assert len([statement for statement in forty.statements if statement.lstrip().upper()
                    .startswith(f"INSERT INTO {table} ")]) == 1
    assert db.session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.kind == "payment")) == 50


def test_a_statement_that_does_not_add_up_imports_nothing(sample_people, comanager):
    wrong = with_closing_balance(SAMPLE.read_text(), "4126.75").encode()
    with pytest.raises(bank.StatementDoesNotAddUp) as refused:
        bank.read_statement_file(db.session, wrong, "camt053")
    message = str(refused.value)
    assert "2027-02-28-BE68539007547034" in message
    # Expected from the movements, and what the bank says (French, the default locale).
    assert "4\u202f116,75" in message and "4\u202f126,75" in message
    assert db.session.scalar(select(func.count(BankLine.id))) == 0


def test_a_closing_balance_in_the_red_adds_up_with_its_sign():
    text = SAMPLE.read_text().replace(
        '<Amt Ccy="EUR">4210.35</Amt><CdtDbtInd>CRDT</CdtDbtInd>',
        '<Amt Ccy="EUR">10.35</Amt><CdtDbtInd>CRDT</CdtDbtInd>')
    text = with_closing_balance(text, "83.25").replace(
        '<Amt Ccy="EUR">83.25</Amt><CdtDbtInd>CRDT</CdtDbtInd>',
        '<Amt Ccy="EUR">83.25</Amt><CdtDbtInd>DBIT</CdtDbtInd>')
    [statement] = bank.parse_camt053(text.encode())  # 10.35 - 93.60 = -83.25
    assert len(statement.lines) == 6


def _structured_credit(digits: str, ref: str = "") -> str:
    """A credit with only a structured communication (CAMT Strd), and no bank reference when
    `ref` is empty: the line is then recognised by its content."""
    reference = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    return (f"<Ntry><Amt Ccy=\"EUR\">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            f"<BookgDt><Dt>2027-03-03</Dt></BookgDt>{reference}<NtryDtls><TxDtls><RltdPties>"
            f"<Dbtr><Nm>FAMILLE DUPONT-PEETERS</Nm></Dbtr><DbtrAcct><Id>"
            f"<IBAN>BE62510007547061</IBAN></Id></DbtrAcct></RltdPties><RmtInf><Strd>"
            f"<CdtrRefInf><Ref>{digits}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>"
            f"</NtryDtls></Ntry>")


def _statement(*entries: str) -> bytes:
    text = without_balances(SAMPLE.read_text())
    head, tail = text[:text.index("<Ntry>")], text[text.index("</Stmt>"):]
    return (head + "".join(entries) + tail).encode()


def test_two_transfers_alike_but_for_their_structured_communication_are_two_payments(
        sample_people, comanager):
    """One household pays for two members the same day, same amount, no bank reference:
    both are recorded (they were taken for a duplicate, and Jan's payment was lost)."""
    lea, jan, _sofia = sample_people
    both = _statement(_structured_credit(LEA_COMMUNICATION), _structured_credit(JAN_COMMUNICATION))
    result = _import(comanager, both)
    assert (result.lines, result.matched, result.duplicates) == (2, 2, 0)
    assert sorted(p.payment.member_id for p in result.payments) == sorted([lea.id, jan.id])
    again = _import(comanager, both)
    assert (again.matched, again.duplicates) == (0, 2)
    assert db.session.scalar(select(func.count(Payment.id))) == 2


def test_a_line_stored_under_the_earlier_key_is_still_a_duplicate(sample_people, comanager):
    """Lines imported before the structured communication counted in the key are recognised
    when their statement is imported again, and only those."""
    lea, jan, _sofia = sample_people
    _import(comanager, _statement(_structured_credit(LEA_COMMUNICATION)))
    line = db.session.execute(select(BankLine)).scalar_one()
    _fmt, [parsed] = bank.read_statement_file(
        db.session, _statement(_structured_credit(LEA_COMMUNICATION)), "camt053")
    line.dedup_key = parsed.lines[0].unstructured_key  # as the earlier code stored it
    db.session.commit()
    again = _import(comanager, _statement(_structured_credit(LEA_COMMUNICATION),
                                          _structured_credit(JAN_COMMUNICATION)))
    assert (again.duplicates, again.matched) == (1, 1)
    assert [p.payment.member_id for p in again.payments] == [jan.id]


def test_transfers_alike_in_every_column_are_each_their_own_payment(sample_people,
                                                                    comanager):
    lea, jan, _sofia = sample_people
    transfers = [ledger.Transfer(payer=payer, amount_cents=1000, paid_on=date(2027, 3, 3),
                                 reference="+++090/9337/55493+++")
                 for payer in (lea, jan, lea, lea)]
    payments = ledger.record_transfers(db.session, transfers, actor=comanager)
    db.session.commit()
    assert [p.member_id for p in payments] == [lea.id, jan.id, lea.id, lea.id]
    assert len({p.id for p in payments}) == 4
    assert ledger.member_balance(db.session, lea.id) == 20640 - 3000
