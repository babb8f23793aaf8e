"""Returned transfers (debits flagged RvslInd) and reversed credits: what the bank gives back
or takes back is never a member's payment nor an expense; when its original is not found it
waits for a co-manager, who says which payment it gives back, or that it is not ours."""
import io

from sqlalchemy import func, select

from booking.domain import bank, ledger
from booking.extensions import db
from booking.models import BankLine, Expense, LedgerEntry

from .conftest import SAMPLE, without_balances


def _statement(*entries: str) -> bytes:
    text = without_balances(SAMPLE.read_text())
    head, tail = text[:text.index("<Ntry>")], text[text.index("</Stmt>"):]
    return (head + "".join(entries) + tail).encode()


def _entry(name: str) -> str:
    """One entry of the sample by its NtryRef."""
    text = SAMPLE.read_text()
    start = text.rindex("<Ntry>", 0, text.index(f"<NtryRef>{name}"))
    return text[start:text.index("</Ntry>", start) + len("</Ntry>")]


def _credit(ref: str, amount: str = "45.50", communication: str = "", reversal=False) -> str:
    rmt = f"<RmtInf><Ustrd>{communication}</Ustrd></RmtInf>" if communication else ""
    return (f"<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            + ("<RvslInd>true</RvslInd>" if reversal else "")
            + f"<BookgDt><Dt>2027-02-13</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>PEETERS JAN</Nm></Dbtr><DbtrAcct><Id>"
            f"<IBAN>BE62510007547061</IBAN></Id></DbtrAcct></RltdPties>{rmt}</TxDtls>"
            f"</NtryDtls></Ntry>")


def _upload(client, content: bytes):
    return client.post("/bank/import", data={
        "file": (io.BytesIO(content), "statement.xml"), "format": "", "mapping": ""},
        content_type="multipart/form-data")


def _line(**where) -> BankLine:
    return db.session.execute(select(BankLine).filter_by(**where)).scalar_one()


def test_a_return_whose_payment_is_not_found_waits_and_is_no_expense(
        client, login, comanager, sample_people):
    login(comanager)
    _upload(client, _statement(_entry("0005")))  # Jan's transfer was never imported
    returned = _line(amount_cents=-4550)
    assert returned.status == "queued"
    page = client.get("/bank/queue").get_data(as_text=True)
    assert "PEETERS JAN" in page and f"/bank/lines/{returned.id}/expense" not in page
    client.post(f"/bank/lines/{returned.id}/expense",
                data={"label": "Retour", "category": "rent", "method": "shares"})
    assert db.session.scalar(select(func.count(Expense.id))) == 0
    # Neither can it be assigned as somebody's payment, only marked as not ours.
    client.post(f"/bank/lines/{returned.id}/assign", data={"account": f"m{comanager.id}"})
    db.session.expire_all()
    assert db.session.get(BankLine, returned.id).status == "queued"
    client.post(f"/bank/lines/{returned.id}/ignore")
    db.session.expire_all()
    assert db.session.get(BankLine, returned.id).status == "ignored"


def test_a_comanager_says_which_payment_a_return_gives_back(client, login, comanager,
                                                           sample_people):
    _lea, jan, _sofia = sample_people
    login(comanager)
    # Jan paid with his communication, under a reference the return does not give.
    _upload(client, _statement(_credit("OTHER-REF", communication="+++101/0000/00114+++")))
    assert ledger.member_balance(db.session, jan.id) == 0
    _upload(client, _statement(_entry("0005")))
    returned, original = _line(amount_cents=-4550), _line(amount_cents=4550)
    assert returned.status == "queued"
    page = client.get("/bank/queue").get_data(as_text=True)
    assert f'value="{original.id}"' in page
    assert client.post(f"/bank/lines/{returned.id}/return",
                       data={"original": str(original.id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(BankLine, returned.id).status == "returned"
    assert ledger.member_balance(db.session, jan.id) == 4550
    # Once given back, it cannot be given back twice.
    again = client.post(f"/bank/lines/{returned.id}/return",
                        data={"original": str(original.id)})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.kind == "reversal")) == 1


def test_a_return_of_a_credit_still_queued_settles_both(app, comanager, sample_people):
    _lea, jan, _sofia = sample_people
    # The original credit has no communication the app knows: it waits in the queue.
    content = _statement(_credit("2027021200988-1", communication="merci"), _entry("0005"))
    _fmt, statements = bank.read_statement_file(db.session, content, "camt053")
    result = bank.import_statements(db.session, statements, fmt="camt053", file_name="x",
                                    actor=comanager)
    db.session.commit()
    original, returned = _line(amount_cents=4550), _line(amount_cents=-4550)
    assert (original.status, returned.status) == ("returned", "returned")
    assert result.queued == 0 and result.returned == 1
    assert bank.lines_waiting(db.session, "queued") == []
    assert ledger.member_balance(db.session, jan.id) == 4550


def test_a_credit_flagged_as_a_reversal_is_not_a_payment(app, comanager, sample_people):
    _lea, jan, _sofia = sample_people
    content = _statement(_credit("R9", communication="+++101/0000/00114+++", reversal=True))
    _fmt, statements = bank.read_statement_file(db.session, content, "camt053")
    result = bank.import_statements(db.session, statements, fmt="camt053", file_name="x",
                                    actor=comanager)
    db.session.commit()
    assert (result.matched, result.queued) == (0, 1)
    assert _line(amount_cents=4550).status == "queued"
    assert ledger.member_balance(db.session, jan.id) == 4550


def test_the_api_gives_a_return_back_or_marks_it_not_ours(api, token_for, member, comanager,
                                                           sample_people):
    _lea, jan, _sofia = sample_people
    boss = token_for(comanager)

    def imported(content):
        return api("POST", "/bank-statements", boss, data={
            "file": (io.BytesIO(content), "statement.xml")}, content_type="multipart/form-data")
    imported(_statement(_credit("OTHER-REF", communication="+++101/0000/00114+++")))
    imported(_statement(_entry("0005")))
    returned, original = _line(amount_cents=-4550), _line(amount_cents=4550)
    queued = api("GET", "/bank-lines?status=queued", boss).json
    assert [(line["id"], line["amount_cents"]) for line in queued] == [(returned.id, -4550)]
    # Not somebody's payment: assigning it says what to do instead, and changes nothing.
    assigned = api("POST", f"/bank-lines/{returned.id}/assign", boss,
                   json={"member_id": jan.id})
    assert assigned.status_code == 409 and "give-back" in assigned.json["detail"]
    path = f"/bank-lines/{returned.id}/give-back"
    assert api("POST", path, token_for(member),
               json={"original_line_id": original.id}).status_code == 403
    assert api("POST", path, boss, json={"original_line_id": returned.id}).status_code == 422
    given = api("POST", path, boss, json={"original_line_id": original.id})
    assert given.status_code == 200 and given.json["status"] == "returned"
    assert ledger.member_balance(db.session, jan.id) == 4550
    assert api("POST", path, boss, json={"original_line_id": original.id}).status_code == 409
    assert api("POST", f"/bank-lines/{returned.id}/ignore", boss).status_code == 409
    # Money that is nobody's: out of the queue, kept.
    gift_from_a_stranger = _credit("GIFT-1", amount="12.00", communication="don").replace(
        "BE62510007547061", "BE35363070780637").replace("PEETERS JAN", "A. NONYME")
    imported(_statement(gift_from_a_stranger))
    gift = _line(amount_cents=1200)
    assert api("POST", f"/bank-lines/{gift.id}/ignore", token_for(member)).status_code == 403
    ignored = api("POST", f"/bank-lines/{gift.id}/ignore", boss)
    assert ignored.status_code == 200 and ignored.json["status"] == "ignored"
    assert api("GET", "/bank-lines?status=queued", boss).json == []
