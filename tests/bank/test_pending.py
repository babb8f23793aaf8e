"""CAMT.053 entries the bank has not booked yet (status PDNG): the balances a bank states count
booked entries only, so a pending entry is neither checked nor imported; the summary says it
was left, and the next statement, which books it, imports it once."""
import io

import pytest
from sqlalchemy import func, select

from booking.domain import bank, ledger
from booking.extensions import db
from booking.models import BankLine, Payment

from .conftest import COOP_IBAN, LEA_COMMUNICATION

PENDING_REF = "2027022800951"


def _entry(amount: str, *, ref: str, status: str = "BOOK", booked_on: str | None = None,
           communication: str = LEA_COMMUNICATION, version: str = "02") -> str:
    sts = f"<Sts><Cd>{status}</Cd></Sts>" if version >= "08" else f"<Sts>{status}</Sts>"
    booked = f"<BookgDt><Dt>{booked_on}</Dt></BookgDt>" if booked_on else ""
    return (f"<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{sts}{booked}"
            f"<ValDt><Dt>{booked_on or '2027-02-28'}</Dt></ValDt>"
            f"<AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls>"
            f"<Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>"
            f"<RltdPties><Dbtr><Nm>DUPONT LEA</Nm></Dbtr><DbtrAcct><Id>"
            f"<IBAN>BE71096123456769</IBAN></Id></DbtrAcct></RltdPties>"
            f"<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry>"
            f"<Issr>BBA</Issr></Tp><Ref>{communication}</Ref></CdtrRefInf></Strd></RmtInf>"
            f"</TxDtls></NtryDtls></Ntry>")


def _balance(code: str, amount: str, day: str) -> str:
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f"<Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            f"<Dt><Dt>{day}</Dt></Dt></Bal>")


def _statement(reference: str, opening: str, closing: str, entries: list[str],
               first: str, last: str, version: str = "02") -> bytes:
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            f"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}\">"
            f"<BkToCstmrStmt><GrpHdr><MsgId>{reference}</MsgId>"
            f"<CreDtTm>{last}T06:00:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>{reference}</Id><CreDtTm>{last}T06:00:00</CreDtTm>"
            f"<FrToDt><FrDtTm>{first}T00:00:00</FrDtTm><ToDtTm>{last}T23:59:59</ToDtTm></FrToDt>"
            f"<Acct><Id><IBAN>{COOP_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            f"{_balance('OPBD', opening, first)}{_balance('CLBD', closing, last)}"
            f"{''.join(entries)}</Stmt></BkToCstmrStmt></Document>").encode()


def february(version: str = "02", closing: str = "1086.40") -> bytes:
    """86,40 booked; 120,00 sent on the last day, still pending: the closing balance, as the
    bank states it, counts only the 86,40."""
    return _statement("2027-02-28-BE68539007547034", "1000.00", closing, [
        _entry("86.40", ref="2027020300417", booked_on="2027-02-03", version=version),
        _entry("120.00", ref=PENDING_REF, status="PDNG", version=version),
    ], "2027-02-01", "2027-02-28", version)


def march(version: str = "02") -> bytes:
    """The 120,00 of February, booked on the first of March."""
    return _statement("2027-03-31-BE68539007547034", "1086.40", "1206.40", [
        _entry("120.00", ref=PENDING_REF, booked_on="2027-03-01", version=version),
    ], "2027-03-01", "2027-03-31", version)


def _import(comanager, content: bytes) -> bank.ImportResult:
    fmt, statements = bank.read_statement_file(db.session, content, None)
    result = bank.import_statements(db.session, statements, fmt=fmt, file_name="x.xml",
                                    actor=comanager)
    db.session.commit()
    return result


def _payments() -> list[int]:
    return sorted(db.session.execute(select(Payment.amount_cents)).scalars())


@pytest.mark.parametrize("version", ["02", "08"])
def test_a_pending_entry_is_left_for_the_statement_that_books_it(sample_people, comanager,
                                                                 version):
    lea = sample_people[0]
    first = _import(comanager, february(version))
    assert (first.lines, first.matched, first.pending, first.duplicates) == (1, 1, 1, 0)
    assert _payments() == [8640]
    assert db.session.scalar(select(func.count(BankLine.id))) == 1
    assert ledger.member_balance(db.session, lea.id) == 12000  # still owes the pending part
    booked = _import(comanager, march(version))
    assert (booked.lines, booked.matched, booked.pending, booked.duplicates) == (1, 1, 0, 0)
    assert _payments() == [8640, 12000]
    line = db.session.execute(select(BankLine).where(
        BankLine.bank_reference == PENDING_REF)).scalar_one()
    assert line.booked_on.isoformat() == "2027-03-01" and line.status == "matched"
    assert ledger.member_balance(db.session, lea.id) == 0
    # Both statements again, in any order: nothing twice, the pending entry never paid twice.
    again = _import(comanager, march(version))
    assert (again.matched, again.duplicates) == (0, 1)
    once_more = _import(comanager, february(version))
    assert (once_more.matched, once_more.duplicates, once_more.pending) == (0, 1, 1)
    assert _payments() == [8640, 12000]


def test_a_closing_balance_counting_the_pending_entry_is_refused(sample_people, comanager):
    """The bank's booked balance leaves pending entries out: one that counts it is not a
    statement of booked entries, and nothing of it is imported."""
    with pytest.raises(bank.StatementDoesNotAddUp):
        bank.read_statement_file(db.session, february(closing="1206.40"), "camt053")
    assert db.session.scalar(select(func.count(BankLine.id))) == 0


def test_a_pending_entry_without_a_booking_date_does_not_refuse_the_file():
    content = february().replace(b"<ValDt><Dt>2027-02-28</Dt></ValDt>", b"")
    [statement] = bank.parse_camt053(content)
    assert [line.amount_cents for line in statement.lines] == [8640]
    assert statement.pending == 1


def test_the_import_page_says_how_many_entries_were_left_pending(client, login, comanager,
                                                                sample_people):
    login(comanager)
    response = client.post("/bank/import", data={
        "file": (io.BytesIO(february()), "february.xml"), "format": "", "mapping": ""},
        content_type="multipart/form-data")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Lignes lues : 1" in text
    assert ("1 écriture pas encore comptabilisée par la banque (en attente) : laissée pour "
            "un prochain relevé") in text
    booked = client.post("/bank/import", data={
        "file": (io.BytesIO(march()), "march.xml"), "format": "", "mapping": ""},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "Paiements enregistrés : 1" in booked and "en attente" not in booked
    assert _payments() == [8640, 12000]


def test_the_api_counts_pending_entries_and_imports_them_once_booked(api, token_for, member,
                                                                     comanager, sample_people):
    def post(headers, content):
        return api("POST", "/bank-statements", headers,
                   data={"file": (io.BytesIO(content), "statement.xml")},
                   content_type="multipart/form-data")
    assert post(token_for(member), february()).status_code == 403
    headers = token_for(comanager)
    body = post(headers, february()).get_json()
    assert {k: body[k] for k in ("lines", "matched", "pending", "duplicates")} == {
        "lines": 1, "matched": 1, "pending": 1, "duplicates": 0}
    booked = post(headers, march()).get_json()
    assert (booked["matched"], booked["pending"]) == (1, 0)
    assert [p["amount_cents"] for p in booked["payments"]] == [12000]
    assert post(headers, march()).get_json()["duplicates"] == 1
    assert _payments() == [8640, 12000]
