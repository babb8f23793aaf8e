"""Bank pages: co-managers only, the import and the queue, how to pay on the statement and
the home page, the settings of the account."""
import io
from datetime import date

from sqlalchemy import func, select

from booking.domain import ledger
from booking.extensions import db
from booking.models import BankLine, ClosedMonth, Expense, Payment, Settings

from .conftest import SAMPLE, with_closing_balance, without_balances


def _upload(client, content=None, name="statement.xml"):
    return client.post("/bank/import", data={
        "file": (io.BytesIO(content or SAMPLE.read_bytes()), name), "format": "",
        "mapping": ""}, content_type="multipart/form-data")


def test_member_gets_403_on_every_bank_action(client, login, member, sample_people):
    login(member)
    assert _upload(client).status_code == 403
    assert client.get("/bank/import").status_code == 403
    assert client.get("/bank/queue").status_code == 403
    assert client.get("/bank/csv-mappings").status_code == 403
    assert client.post("/bank/lines/1/assign", data={"account": f"m{member.id}"}
                       ).status_code == 403
    assert client.post("/bank/lines/1/ignore").status_code == 403
    assert db.session.scalar(select(func.count(BankLine.id))) == 0


def test_comanager_imports_and_sees_the_summary(client, login, comanager, sample_people):
    login(comanager)
    page = client.get("/bank/import")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.data
    response = _upload(client)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Paiements enregistrés : 3" in text or "Payments recorded: 3" in text
    assert db.session.scalar(select(func.count(Payment.id))) == 3
    again = _upload(client).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Payment.id))) == 3
    assert "6" in again


def test_empty_queue_says_what_to_do(client, login, comanager):
    login(comanager)
    page = client.get("/bank/queue", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Import the next statement" in page or "relevé" in page


def test_queue_page_has_bounded_queries(client, login, comanager, sample_people,
                                        count_queries):
    login(comanager)
    _upload(client)
    with count_queries() as few:
        assert client.get("/bank/queue").status_code == 200
    text = without_balances(SAMPLE.read_text())
    entry_start = text.index("<Ntry>", text.index("<NtryRef>0003"))
    extra = "".join(
        f'<Ntry><Amt Ccy="EUR">1{i}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>'
        f"2027-02-2{i % 9}</Dt></BookgDt><AcctSvcrRef>Q{i}</AcctSvcrRef><NtryDtls><TxDtls>"
        f"<RltdPties><Dbtr><Nm>Inconnu {i}</Nm></Dbtr></RltdPties></TxDtls></NtryDtls></Ntry>"
        for i in range(20))
    _upload(client, (text[:entry_start] + extra + text[entry_start:]).encode())
    with count_queries() as many:
        assert client.get("/bank/queue").status_code == 200
    assert db.session.scalar(select(func.count(BankLine.id)).where(
        BankLine.status == "queued")) >= 21
    assert many.count == few.count


def test_comanager_confirms_a_proposal_and_the_balance_drops(client, login, comanager,
                                                             sample_people):
    _lea, _jan, sofia = sample_people
    login(comanager)
    _upload(client)
    line = db.session.execute(select(BankLine).where(BankLine.status == "queued")).scalar_one()
    page = client.get("/bank/queue").get_data(as_text=True)
    assert "Sofia Martinez" in page
    client.post(f"/bank/lines/{line.id}/assign", data={"account": f"m{sofia.id}"})
    db.session.expire_all()
    assert db.session.get(BankLine, line.id).status == "matched"
    assert db.session.get(BankLine, line.id).matched_by == "proposal"
    assert ledger.member_balance(db.session, sofia.id) == 0


def test_split_across_two_accounts_must_add_up(client, login, comanager, sample_people):
    lea, _jan, sofia = sample_people
    login(comanager)
    _upload(client)
    line = db.session.execute(select(BankLine).where(BankLine.status == "queued")).scalar_one()
    data = {"parts-0-account": f"m{lea.id}", "parts-0-amount": "20",
            "parts-1-account": f"m{sofia.id}", "parts-1-amount": "20"}
    client.post(f"/bank/lines/{line.id}/split", data=data)
    db.session.expire_all()
    assert db.session.get(BankLine, line.id).status == "queued"
    data["parts-1-amount"] = "30"
    assert client.post(f"/bank/lines/{line.id}/split", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(BankLine, line.id).status == "matched"
    assert ledger.member_balance(db.session, sofia.id) == 2000


def test_not_ours_and_debit_to_expense(client, login, comanager, sample_people):
    login(comanager)
    _upload(client)
    credit = db.session.execute(select(BankLine).where(BankLine.status == "queued")
                                ).scalar_one()
    rent = db.session.execute(select(BankLine).where(BankLine.status == "debit")).scalar_one()
    client.post(f"/bank/lines/{credit.id}/ignore")
    client.post(f"/bank/lines/{rent.id}/expense",
                data={"label": "Loyer entrepôt", "category": "rent", "method": "shares"})
    db.session.expire_all()
    assert db.session.get(BankLine, credit.id).status == "ignored"
    expense = db.session.execute(select(Expense)).scalar_one()
    assert (expense.amount_cents, expense.category) == (35000, "rent")
    assert db.session.get(BankLine, rent.id).expense_id == expense.id


def test_statement_and_home_page_show_how_to_pay(client, login, sample_people):
    lea, _jan, _sofia = sample_people
    login(lea)
    for path in ("/ledger/statement", "/dashboard"):
        page = client.get(path).get_data(as_text=True)
        assert "BE68 5390 0754 7034" in page
        assert "+++090/9337/55493+++" in page
        assert "/bank/qr/me.png" in page
    statement = client.get("/ledger/statement").get_data(as_text=True)
    assert "css/bank.css" in statement and 'class="print-month"' in statement
    assert "@media print" in client.get("/static/css/bank.css").get_data(as_text=True)


def test_settings_validate_iban_and_bic(client, login, comanager):
    login(comanager)
    base = {"name": "Coop", "timezone": "Europe/Brussels", "currency": "EUR",
            "contribution_rate": "15", "contact_email": "", "contact_address": "",
            "bank_account_holder": "Coop asbl"}
    bad = client.post("/settings/", data={**base, "bank_iban": "BE68539007547035",
                                          "bank_bic": "GKCCBEBB"})
    assert bad.status_code == 200 and db.session.get(Settings, 1) is None
    client.post("/settings/", data={**base, "bank_iban": "be68 5390 0754 7034",
                                    "bank_bic": "gkccbebb"})
    saved = db.session.get(Settings, 1)
    assert (saved.bank_iban, saved.bank_bic) == ("BE68539007547034", "GKCCBEBB")


def test_bank_pages_are_translated(client, login, make_member, sample_people):
    for locale, title, how in (("fr", "Lignes à régler", "Comment payer"),
                               ("nl", "Te regelen lijnen", "Hoe betalen"),
                               ("en", "Lines to settle", "How to pay")):
        manager = make_member("comanager", locale=locale)
        login(manager)
        assert title in client.get("/bank/queue").get_data(as_text=True)
        assert how in client.get("/ledger/statement").get_data(as_text=True)
        client.post("/logout")


def test_a_statement_that_does_not_add_up_is_refused_in_french(client, login, comanager,
                                                                 sample_people):
    login(comanager)
    wrong = with_closing_balance(SAMPLE.read_text(), "4126.75").encode()
    text = _upload(client, wrong).get_data(as_text=True)
    assert "ne correspond pas" in text and "Rien n’a été importé" in text
    assert db.session.scalar(select(func.count(BankLine.id))) == 0


def test_a_credit_in_a_closed_month_is_proposed_with_its_structured_communication(
        client, login, comanager, sample_people):
    _lea, jan, _sofia = sample_people
    db.session.add(ClosedMonth(month=date(2027, 2, 1)))
    db.session.commit()
    login(comanager)
    text = SAMPLE.read_text()
    cut = text.rindex("<Ntry>", 0, text.index("<NtryRef>0005"))  # not returned yet
    _upload(client, without_balances(text[:cut] + text[text.index("</Stmt>"):]).encode())
    # Jan's transfer gives only a structured communication (no free text): it is shown,
    # and its account proposed, for a co-manager to confirm in the first open month.
    line = db.session.execute(select(BankLine).where(BankLine.structured == "101000000114",
                                                     BankLine.amount_cents > 0)).scalar_one()
    assert line.status == "queued" and line.proposed_member_id == jan.id
    page = client.get("/bank/queue").get_data(as_text=True)
    assert "+++101/0000/00114+++" in page and "Jan Peeters" in page
