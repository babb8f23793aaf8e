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


# --- a debit and a credit column instead of one signed amount ------------------------------

# As ING Belgium exports it: money out and money in in two columns, one of them empty on each
# line, Belgian amounts; Windows-1252 text after a UTF-8 BOM some export tools still write.
ING = b"\xef\xbb\xbf" + (
    "Numéro de compte;Nom du compte;Compte partie adverse;Nom partie adverse;"
    "Numéro de mouvement;Date comptable;Date valeur;Débit;Crédit;Devise;"
    "Détails du mouvement;Message\r\n"
    "BE68 5390 0754 7034;Coopérative;BE71 0961 2345 6769;DUPONT LÉA;00012;"
    "03/03/2027;03/03/2027;;1.234,50;EUR;Virement européen reçu;+++090/9337/55493+++\r\n"
    "BE68 5390 0754 7034;Coopérative;BE21 0012 3456 7803;SCRL IMMO CHAUSSÉE;00013;"
    "05/03/2027;05/03/2027;-350,00;;EUR;Virement européen émis;Loyer entrepôt mars\r\n"
    "BE68 5390 0754 7034;Coopérative;;;00014;06/03/2027;06/03/2027;12,00;;EUR;"
    "Frais de gestion;\r\n"
    "BE68 5390 0754 7034;Coopérative;BE35 3630 7078 0637;SOFIA MARTINEZ;00015;"
    "07/03/2027;07/03/2027;;50,00;EUR;Virement européen reçu;répétitions mars\r\n"
    ";;;;;;;;;;;\r\n"
).encode("cp1252")

# As Belfius exports it in Dutch with "Debet" and "Credit", saved by Excel as UTF-8 with a BOM.
BELFIUS_NL = (
    "Rekening;Boekingsdatum;Rekeninguittrekselnummer;Transactienummer;Rekening tegenpartij;"
    "Naam tegenpartij bevat;Transactie;Valutadatum;Debet;Credit;Devies;Mededelingen\n"
    "BE68 5390 0754 7034;12/03/2027;00003;0001;BE62 5100 0754 7061;PEETERS JAN;"
    "OVERSCHRIJVING;12/03/2027;;45,50;EUR;+++101/0000/00114+++\n"
    "BE68 5390 0754 7034;14/03/2027;00003;0002;BE21 0012 3456 7803;ÉLECTRICITÉ SA;"
    "DOMICILIERING;14/03/2027;1.120,75;;EUR;Factuur 2027-03\n"
).encode("utf-8-sig")

ING_COLUMNS = {
    "date_column": "Date comptable", "amount_column": "", "debit_column": "Débit",
    "credit_column": "Crédit", "name_column": "Nom partie adverse",
    "iban_column": "Compte partie adverse", "communication_column": "Message",
    "reference_column": ""}


def _ing_mapping(**changes) -> CsvMapping:
    columns = {**ING_COLUMNS, **changes}
    return CsvMapping(bank_name="ING", delimiter=";", date_format="%d/%m/%Y",
                      decimal_comma=True, **columns)


def test_preview_of_an_ing_export_finds_the_debit_and_credit_columns():
    preview = bank.csv_preview(ING)
    assert (preview.encoding, preview.delimiter) == ("Windows-1252", ";")
    assert preview.headers[0] == "Numéro de compte"  # the BOM is not part of it
    assert preview.columns == {k: v for k, v in ING_COLUMNS.items() if v}
    assert (preview.date_format, preview.decimal_comma) == ("%d/%m/%Y", True)
    assert preview.rows[0][3] == "DUPONT LÉA"


def test_preview_of_a_belfius_export_in_dutch_with_debet_and_credit():
    preview = bank.csv_preview(BELFIUS_NL)
    assert preview.encoding == "UTF-8"
    assert (preview.columns["debit_column"], preview.columns["credit_column"]) == (
        "Debet", "Credit")
    assert "amount_column" not in preview.columns
    assert preview.columns["communication_column"] == "Mededelingen"


def test_debit_and_credit_columns_give_signed_amounts_in_belgian_notation(app):
    statement = bank.parse_csv(ING, _ing_mapping())
    # 1.234,50 in; -350,00 and 12,00 out (a debit with or without its sign); the empty row
    # at the end is no line.
    assert [line.amount_cents for line in statement.lines] == [123450, -35000, -1200, 5000]
    assert statement.lines[0].structured == "090933755493"
    assert statement.lines[0].counterparty_name == "DUPONT LÉA"
    assert statement.lines[1].communication == "Loyer entrepôt mars"
    nl = bank.parse_csv(BELFIUS_NL, CsvMapping(
        bank_name="Belfius NL", delimiter=";", date_format="%d/%m/%Y", decimal_comma=True,
        date_column="Boekingsdatum", amount_column="", debit_column="Debet",
        credit_column="Credit", name_column="Naam tegenpartij bevat",
        iban_column="Rekening tegenpartij", communication_column="Mededelingen",
        reference_column=""))
    assert [line.amount_cents for line in nl.lines] == [4550, -112075]
    assert nl.lines[1].counterparty_name == "ÉLECTRICITÉ SA"


def test_a_signed_amount_column_reads_belgian_notation_and_skips_empty_cells(app):
    content = ("Date;Montant;Nom;Communication\n"
               "03/03/2027;1.234,50;DUPONT LEA;+++090/9337/55493+++\n"
               "04/03/2027;-12,00;BANQUE;Frais\n"
               "05/03/2027;;BANQUE;Solde reporté\n"
               "06/03/2027;+45,00 EUR;RENARD;cotisation\n").encode("cp1252")
    mapping = CsvMapping(bank_name="X", delimiter=";", date_format="%d/%m/%Y",
                         decimal_comma=True, date_column="Date", amount_column="Montant",
                         name_column="Nom", iban_column="", communication_column="Communication",
                         reference_column="")
    amounts = [line.amount_cents for line in bank.parse_csv(content, mapping).lines]
    assert amounts == [123450, -1200, 4500]


def _save_ing(client, **changes):
    data = {"bank_name": "ING", "delimiter": ";", "date_format": "%d/%m/%Y",
            "decimal_comma": "y", **ING_COLUMNS, "headers": "Débit\nCrédit"}
    data.update(changes)
    return client.post("/bank/csv-mappings", data=data)


def test_comanager_saves_debit_and_credit_columns_and_imports_an_ing_export(
        client, login, comanager, sample_people):
    lea, _jan, sofia = sample_people
    login(comanager)
    preview = client.post("/bank/csv-mappings/preview", data={
        "file": (io.BytesIO(ING), "ing.csv")}, content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Colonne du débit" in text
    assert '<option value="Débit" selected>' in text
    assert '<option value="Crédit" selected>' in text
    assert _save_ing(client).status_code == 302
    listing = client.get("/bank/csv-mappings").get_data(as_text=True)
    assert "Débit (débit) et Crédit (crédit)" in listing
    mapping = db.session.execute(select(CsvMapping)).scalar_one()
    assert (mapping.amount_column, mapping.debit_column, mapping.credit_column) == (
        "", "Débit", "Crédit")
    page = client.post("/bank/import", data={
        "file": (io.BytesIO(ING), "ing.csv"), "format": "csv", "mapping": str(mapping.id)},
        content_type="multipart/form-data")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Lignes lues : 4" in text and "Paiements enregistrés : 1" in text
    assert "Dépenses à partager : 2" in text
    payment = db.session.execute(select(Payment)).scalar_one()
    assert (payment.member_id, payment.amount_cents) == (lea.id, 123450)
    queued = db.session.execute(select(BankLine).where(BankLine.status == "queued")
                                ).scalar_one()
    assert (queued.amount_cents, queued.proposed_member_id) == (5000, sofia.id)
    again = client.post("/bank/import", data={
        "file": (io.BytesIO(ING), "ing.csv"), "format": "csv", "mapping": str(mapping.id)},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "Déjà importées (laissées telles quelles) : 4" in again
    assert db.session.scalar(select(func.count(BankLine.id))) == 4


def test_a_mapping_needs_one_amount_column_or_both_debit_and_credit(client, login,
                                                                     comanager):
    login(comanager)
    neither = _save_ing(client, debit_column="", credit_column="")
    assert neither.status_code == 422
    assert "soit la colonne du montant, soit les colonnes du débit et du crédit" in (
        neither.get_data(as_text=True))
    half = _save_ing(client, credit_column="")
    assert half.status_code == 422
    both = _save_ing(client, amount_column="Débit")
    assert both.status_code == 422
    assert "pas les deux" in both.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CsvMapping.id))) == 0


def test_member_cannot_save_a_banks_columns(client, login, member):
    login(member)
    assert _save_ing(client).status_code == 403
    assert db.session.scalar(select(func.count(CsvMapping.id))) == 0


def test_the_api_imports_an_ing_export_with_its_mapping(api, token_for, member, comanager,
                                                        sample_people):
    lea = sample_people[0]
    mapping = _ing_mapping()
    db.session.add(mapping)
    db.session.commit()

    def post(headers):
        return api("POST", "/bank-statements", headers, data={
            "file": (io.BytesIO(ING), "ing.csv"), "format": "csv",
            "mapping_id": str(mapping.id)}, content_type="multipart/form-data")
    assert post(token_for(member)).status_code == 403
    response = post(token_for(comanager))
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("lines", "matched", "queued", "duplicates")} == {
        "lines": 4, "matched": 1, "queued": 1, "duplicates": 0}
    assert [(p["account"]["member_id"], p["amount_cents"]) for p in body["payments"]] == [
        (lea.id, 123450)]


# A spreadsheet saved as .csv by mistake (xlsx is a zip), and a text in no known encoding.
NOT_CSV = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml\x00\x00"
NO_ENCODING = "Date;Montant\n03/03/2027;12,00\n".encode("cp1252") + b"\x81\x8d\n"


@pytest.mark.parametrize("content", [NOT_CSV, NO_ENCODING])
def test_an_unreadable_file_is_refused_in_french_and_changes_nothing(client, login, comanager,
                                                                    content):
    db.session.add(_ing_mapping())
    db.session.commit()
    login(comanager)
    page = client.post("/bank/import", data={
        "file": (io.BytesIO(content), "releve.csv"), "format": "csv", "mapping": ""},
        content_type="multipart/form-data")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Ce fichier ne se lit pas comme un export CSV" in text
    assert "Rien n’a été importé : exportez à nouveau le relevé de votre banque en CSV" in text
    preview = client.post("/bank/csv-mappings/preview", data={
        "file": (io.BytesIO(content), "releve.csv")}, content_type="multipart/form-data")
    assert preview.status_code == 422
    assert "Ce fichier ne se lit pas comme un export CSV" in preview.get_data(as_text=True)
    assert db.session.scalar(select(func.count(BankLine.id))) == 0


def test_the_api_refuses_an_unreadable_file_with_a_translated_422(api, token_for, comanager):
    db.session.add(_ing_mapping())
    db.session.commit()
    response = api("POST", "/bank-statements", token_for(comanager), data={
        "file": (io.BytesIO(NOT_CSV), "releve.csv"), "format": "csv"},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Ce fichier ne se lit pas comme un export CSV" in response.get_json()["detail"]
    english = api("POST", "/bank-statements", {**token_for(comanager),
                                               "Accept-Language": "en"}, data={
        "file": (io.BytesIO(NOT_CSV), "releve.csv"), "format": "csv"},
        content_type="multipart/form-data")
    assert "cannot be read as a CSV export" in english.get_json()["detail"]
    assert db.session.scalar(select(func.count(BankLine.id))) == 0


def test_the_api_saves_lists_and_replaces_a_banks_mapping_then_imports_with_it(
        api, token_for, member, comanager, sample_people):
    body = {"bank_name": " ING ", "delimiter": ";", "date_format": "%d/%m/%Y",
            "decimal_comma": True, **ING_COLUMNS}
    assert api("POST", "/bank-csv-mappings", token_for(member), json=body).status_code == 403
    assert api("GET", "/bank-csv-mappings", token_for(member)).status_code == 403
    headers = token_for(comanager)
    created = api("POST", "/bank-csv-mappings", headers, json=body)
    assert created.status_code == 201
    saved = created.get_json()
    assert saved["bank_name"] == "ING" and saved["debit_column"] == "Débit"
    # The same bank again replaces its mapping (200), it does not add a second one.
    replaced = api("POST", "/bank-csv-mappings", headers,
                   json={**body, "reference_column": "Numéro de mouvement"})
    assert replaced.status_code == 200 and replaced.get_json()["id"] == saved["id"]
    listed = api("GET", "/bank-csv-mappings", headers).get_json()
    assert [(m["id"], m["bank_name"], m["reference_column"]) for m in listed] == [
        (saved["id"], "ING", "Numéro de mouvement")]
    imported = api("POST", "/bank-statements", headers, data={
        "file": (io.BytesIO(ING), "ing.csv"), "format": "csv",
        "mapping_id": str(saved["id"])}, content_type="multipart/form-data")
    assert imported.status_code == 201 and imported.get_json()["lines"] == 4


@pytest.mark.parametrize("change, words", [
    ({"date_format": "jour/mois"}, "Ce format de date ne lit pas de date"),
    ({"date_format": "%d/%m"}, "Ce format de date ne lit pas de date"),
    ({"amount_column": "Débit"}, "pas les deux"),
    ({"debit_column": "", "credit_column": ""}, "soit la colonne du montant"),
])
def test_the_api_refuses_a_mapping_that_cannot_read_the_file_and_saves_nothing(
        api, token_for, comanager, change, words):
    body = {"bank_name": "ING", "date_format": "%d/%m/%Y", **ING_COLUMNS, **change}
    refused = api("POST", "/bank-csv-mappings", token_for(comanager), json=body)
    assert refused.status_code == 422
    assert words in refused.get_json()["detail"]
    assert db.session.scalar(select(func.count(CsvMapping.id))) == 0


def test_the_page_refuses_a_date_format_that_reads_no_date(client, login, comanager):
    login(comanager)
    refused = _save_ing(client, date_format="dd/mm/yyyy")
    assert refused.status_code == 422
    assert "écrivez-le avec %d (jour), %m (mois) et %Y (année)" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CsvMapping.id))) == 0


def test_the_openapi_document_gives_both_answers_of_saving_a_mapping(api):
    """201 for a new bank, 200 for a bank saved again: both described (schemathesis checks
    every answer against the description)."""
    post = api("GET", "/openapi.json").json["paths"]["/api/v1/bank-csv-mappings"]["post"]
    assert {"200", "201", "422"} <= set(post["responses"])
