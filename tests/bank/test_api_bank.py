"""The bank API: payment instructions, statement import, the queue and assigning a line."""
import io

from sqlalchemy import func, select

from booking.domain import ledger
from booking.extensions import db
from booking.models import BankLine, Organisation, Payment

from .conftest import SAMPLE, with_closing_balance


def _post_statement(api, headers, fmt=None):
    data = {"file": (io.BytesIO(SAMPLE.read_bytes()), "statement.xml")}
    if fmt:
        data["format"] = fmt
    return api("POST", "/bank-statements", headers, data=data,
               content_type="multipart/form-data")


def test_payment_instructions_of_the_caller(api, token_for, sample_people):
    lea, _jan, _sofia = sample_people
    body = api("GET", "/me/payment-instructions", token_for(lea)).get_json()
    assert body == {"amount_due_cents": 20640, "iban": "BE68539007547034",
                    "bic": "GKCCBEBB", "beneficiary": "Coopérative des espaces partagés",
                    "structured_communication": "+++090/9337/55493+++",
                    "qr_png_url": "http://localhost/api/v1/me/payment-qr.png"}
    png = api("GET", "/me/payment-qr.png", token_for(lea))
    assert png.status_code == 200 and png.mimetype == "image/png"


def test_instructions_without_bank_account_give_nulls(api, token_for, member):
    body = api("GET", "/me/payment-instructions", token_for(member)).get_json()
    assert body["iban"] is None and body["qr_png_url"] is None
    assert body["structured_communication"].startswith("+++")
    again = api("GET", "/me/payment-instructions", token_for(member)).get_json()
    assert again["structured_communication"] == body["structured_communication"]


def test_member_gets_403_on_import_and_queue(api, token_for, member, sample_people):
    headers = token_for(member)
    assert _post_statement(api, headers).status_code == 403
    assert api("GET", "/bank-lines?status=queued", headers).status_code == 403
    assert api("POST", "/bank-lines/1/assign", headers, json={"member_id": member.id}
               ).status_code == 403
    assert db.session.scalar(select(func.count(BankLine.id))) == 0


def test_import_then_queue_then_assign(api, token_for, comanager, sample_people):
    lea, _jan, sofia = sample_people
    headers = token_for(comanager)
    response = _post_statement(api, headers, "camt053")
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("lines", "matched", "queued", "duplicates")} == {
        "lines": 6, "matched": 3, "queued": 1, "duplicates": 0}
    assert {p["account"]["member_id"] for p in body["payments"]} >= {lea.id}
    assert all(p["matched_by"] == "communication" for p in body["payments"])
    again = _post_statement(api, headers).get_json()
    assert (again["duplicates"], again["payments"]) == (6, [])
    [line] = api("GET", "/bank-lines?status=queued", headers).get_json()
    assert line["proposed"] == {"member_id": sofia.id, "organisation_id": None}
    assigned = api("POST", f"/bank-lines/{line['id']}/assign", headers,
                   json={"member_id": sofia.id})
    assert assigned.status_code == 200 and assigned.get_json()["status"] == "matched"
    assert ledger.member_balance(db.session, sofia.id) == 0
    twice = api("POST", f"/bank-lines/{line['id']}/assign", headers,
                json={"member_id": sofia.id})
    assert twice.status_code == 409
    assert db.session.scalar(select(func.count(Payment.id))) == 4


def test_bad_file_and_bad_body_are_422(api, token_for, comanager):
    headers = token_for(comanager)
    bad = api("POST", "/bank-statements", headers,
              data={"file": (io.BytesIO(b"<x/>"), "x.xml")}, content_type="multipart/form-data")
    assert bad.status_code == 422
    missing = api("POST", "/bank-statements", headers, data={},
                  content_type="multipart/form-data")
    assert missing.status_code == 422
    assert api("POST", "/bank-lines/1/assign", headers, json={}).status_code == 422


def test_a_statement_that_does_not_add_up_gets_422_and_imports_nothing(api, token_for,
                                                                          comanager,
                                                                          sample_people):
    wrong = with_closing_balance(SAMPLE.read_text(), "4126.75").encode()
    response = api("POST", "/bank-statements", token_for(comanager),
                   data={"file": (io.BytesIO(wrong), "statement.xml")},
                   content_type="multipart/form-data")
    assert response.status_code == 422
    assert "4\u202f126,75" in response.get_json()["detail"]  # the closing balance it gives
    assert db.session.scalar(select(func.count(BankLine.id))) == 0


def test_assigning_to_an_organisation_that_does_not_pay_for_its_members_is_422(
        api, token_for, comanager, sample_people, client, login):
    _lea, _jan, sofia = sample_people
    band = Organisation(name="Les Rythmes", pays_for_members=False)
    db.session.add(band)
    db.session.flush()
    sofia.organisation_id = band.id
    db.session.commit()
    headers = token_for(comanager)
    _post_statement(api, headers)
    [line] = api("GET", "/bank-lines?status=queued", headers).get_json()
    refused = api("POST", f"/bank-lines/{line['id']}/assign", headers,
                  json={"organisation_id": band.id})
    assert refused.status_code == 422
    assert "Les Rythmes" in refused.get_json()["detail"]
    db.session.expire_all()
    assert db.session.get(BankLine, line["id"]).status == "queued"
    assert db.session.scalar(select(func.count(Payment.id))) == 3
    assert ledger.member_balance(db.session, sofia.id) == 5000
    # The page's form follows the same rule.
    login(comanager)
    client.post(f"/bank/lines/{line['id']}/assign", data={"account": f"o{band.id}"})
    client.post(f"/bank/lines/{line['id']}/split", data={
        "parts-0-account": f"o{band.id}", "parts-0-amount": "20",
        "parts-1-account": f"m{sofia.id}", "parts-1-amount": "30"})
    db.session.expire_all()
    assert db.session.get(BankLine, line["id"]).status == "queued"
    assert db.session.scalar(select(func.count(Payment.id))) == 3


def test_an_unknown_status_is_a_422_naming_the_parameter(api, token_for, comanager):
    response = api("GET", "/bank-lines?status=bogus", token_for(comanager))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"].endswith("validation-error")
    assert "status" in problem["detail"] and "queued" in problem["detail"]


def test_bank_api_errors_are_in_the_callers_language(api, token_for, comanager, member,
                                                     sample_people):
    headers = {**token_for(comanager), "Accept-Language": "nl"}
    missing = api("POST", "/bank-statements", headers, data={},
                  content_type="multipart/form-data").get_json()
    assert "multipart" in missing["detail"] and "Stuur" in missing["detail"]
    wrong = api("POST", "/bank-statements", headers, content_type="multipart/form-data",
                data={"file": (io.BytesIO(b"x"), "x.txt"), "format": "ofx"}).get_json()
    assert wrong["detail"].startswith("Het formaat")
    _post_statement(api, headers)
    [line] = api("GET", "/bank-lines?status=queued", headers).get_json()
    api("POST", f"/bank-lines/{line['id']}/assign", headers, json={"member_id": member.id})
    twice = api("POST", f"/bank-lines/{line['id']}/assign", headers,
                json={"member_id": member.id}).get_json()
    assert twice["detail"] == "Deze banklijn werd al behandeld."


def test_no_qr_code_without_the_bank_account_says_so_in_french(api, token_for, member):
    response = api("GET", "/me/payment-qr.png", {**token_for(member), "Accept-Language": "fr"})
    assert response.status_code == 404
    assert "coopérative" in response.get_json()["detail"]
