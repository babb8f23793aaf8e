"""CSV exports of Belgian banks: the preview of a file (its first rows and the columns
recognised), the mapping saved per bank, and the conventions (";", "1.234,50", dd/mm/yyyy,
Windows-1252 or UTF-8 with a BOM, lines about the account above the columns)."""
import io

import pytest
from sqlalchemy import func, select

from booking.domain import bank
from booking.extensions import db
from booking.models import BankLine, CsvMapping, Payment

# As Belfius exports it: four lines about the account, then the columns; Windows-1252.
BELFIUS = (
    "Date de comptabilisation à partir de;01/03/2027\r\n"
    "Date de comptabilisation jusqu'à;31/03/2027\r\n"
    "Compte;BE68 5390 0754 7034\r\n"
    ";\r\n"
    "Compte;Date de comptabilisation;Numéro d'extrait;Numéro de transaction;"
    "Compte contrepartie;Nom contrepartie contient;Rue et numéro;Code postal et localité;"
    "Transaction;Date valeur;Montant;Devise;BIC;Code pays;Communications\r\n"
    "BE68 5390 0754 7034;03/03/2027;00003;0001;BE71 0961 2345 6769;DUPONT LEA;"
    "Rue Haute 12;1000 Bruxelles;VIREMENT EN EURO;03/03/2027;1.234,50;EUR;GKCCBEBB;BE;"
    "+++090/9337/55493+++\r\n"
    "BE68 5390 0754 7034;04/03/2027;00003;0002;BE35 3630 7078 0637;ÉLODIE RENARD;"
    "Rue Neuve 3;1000 Bruxelles;VIREMENT EN EURO;04/03/2027;45,00;EUR;BBRUBEBB;BE;"
    "cotisation mars\r\n"
    "BE68 5390 0754 7034;05/03/2027;00003;0003;;BANQUE;;;FRAIS;05/03/2027;-3,50;EUR;;;"
    "Frais de gestion\r\n"
).encode("cp1252")

# As KBC exports it, in Dutch, saved again by Excel as UTF-8 with a BOM.
KBC = (
    "Rekeningnummer;Naam;Munt;Afschriftnummer;Datum;Omschrijving;Valuta;Bedrag;Saldo;"
    "rekeningnummer tegenpartij;BIC tegenpartij;Naam tegenpartij;Vrije mededeling\n"
    "BE68539007547034;Coop;EUR;2027003;12-03-2027;OVERSCHRIJVING;12-03-2027;86,40;"
    "4.296,75;BE71096123456769;GKCCBEBB;PEETERS JAN;+++101/0000/00114+++\n"
).encode("utf-8-sig")


def test_preview_of_a_belfius_export_finds_the_header_below_the_account_lines():
    preview = bank.csv_preview(BELFIUS)
    assert (preview.encoding, preview.delimiter) == ("Windows-1252", ";")
    assert preview.headers[1] == "Date de comptabilisation"
    assert [row[5] for row in preview.rows] == ["DUPONT LEA", "ÉLODIE RENARD", "BANQUE"]
    assert preview.columns == {
        "date_column": "Date de comptabilisation", "amount_column": "Montant",
        "iban_column": "Compte contrepartie", "name_column": "Nom contrepartie contient",
        "communication_column": "Communications"}
    assert (preview.date_format, preview.decimal_comma) == ("%d/%m/%Y", True)


def test_preview_of_a_kbc_export_in_dutch_with_a_bom():
    preview = bank.csv_preview(KBC)
    assert preview.encoding == "UTF-8" and preview.headers[0] == "Rekeningnummer"
    assert preview.columns["date_column"] == "Datum"
    assert preview.columns["amount_column"] == "Bedrag"
    assert preview.columns["iban_column"] == "rekeningnummer tegenpartij"
    assert preview.columns["name_column"] == "Naam tegenpartij"
    assert preview.columns["communication_column"] == "Vrije mededeling"
    assert preview.date_format == "%d-%m-%Y"


def test_a_file_without_columns_is_refused_with_what_to_do():
    with pytest.raises(bank.StatementUnreadable):
        bank.csv_preview(b"just one line of text\n")


def _belfius_mapping():
    preview = bank.csv_preview(BELFIUS)
    return CsvMapping(bank_name="Belfius", delimiter=preview.delimiter,
                      date_format=preview.date_format, decimal_comma=preview.decimal_comma,
                      reference_column="", **{k: preview.columns.get(k, "") for k in (
                          "date_column", "amount_column", "name_column", "iban_column",
                          "communication_column")})


def test_belfius_export_imports_with_belgian_amounts_and_dates(app):
    from datetime import date
    [statement] = [bank.parse_csv(BELFIUS, _belfius_mapping())]
    assert [line.amount_cents for line in statement.lines] == [123450, 4500, -350]
    assert statement.lines[0].booked_on == date(2027, 3, 3)
    assert statement.lines[0].structured == "090933755493"
    assert statement.lines[0].counterparty_iban == "BE71096123456769"
    assert statement.lines[1].counterparty_name == "ÉLODIE RENARD"
    assert (statement.from_date, statement.to_date) == (date(2027, 3, 3), date(2027, 3, 5))


def test_comanager_previews_saves_and_imports(client, login, comanager, sample_people):
    lea, _jan, _sofia = sample_people
    login(comanager)
    page = client.post("/bank/csv-mappings/preview", data={
        "file": (io.BytesIO(BELFIUS), "export.csv")}, content_type="multipart/form-data")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "ÉLODIE RENARD" in text and "Windows-1252" in text
    assert '<option value="Montant" selected>' in text
    assert '<option value="Compte contrepartie" selected>' in text
    assert db.session.scalar(select(func.count(BankLine.id))) == 0  # nothing imported
    saved = client.post("/bank/csv-mappings", data={
        "bank_name": "Belfius", "delimiter": ";", "date_format": "%d/%m/%Y",
        "decimal_comma": "y", "date_column": "Date de comptabilisation",
        "amount_column": "Montant", "name_column": "Nom contrepartie contient",
        "iban_column": "Compte contrepartie", "communication_column": "Communications",
        "reference_column": "", "headers": "Montant"})
    assert saved.status_code == 302
    mapping = db.session.execute(select(CsvMapping)).scalar_one()
    imported = client.post("/bank/import", data={
        "file": (io.BytesIO(BELFIUS), "export.csv"), "format": "csv",
        "mapping": str(mapping.id)}, content_type="multipart/form-data")
    assert imported.status_code == 200
    payment = db.session.execute(select(Payment)).scalar_one()
    assert (payment.member_id, payment.amount_cents) == (lea.id, 123450)
    assert db.session.scalar(select(func.count(BankLine.id))) == 3


def test_member_cannot_preview_a_bank_file(client, login, member):
    login(member)
    response = client.post("/bank/csv-mappings/preview", data={
        "file": (io.BytesIO(BELFIUS), "export.csv")}, content_type="multipart/form-data")
    assert response.status_code == 403


def test_an_unreadable_preview_says_what_to_do(client, login, comanager):
    login(comanager)
    response = client.post("/bank/csv-mappings/preview", data={
        "file": (io.BytesIO(b"nothing here\n"), "export.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "export" in response.get_data(as_text=True).lower()
