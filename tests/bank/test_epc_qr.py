"""The EPC QR code (EPC069-12): the payload line by line, the images the app serves."""
import io

import pytest

from booking.domain import bank
from booking.extensions import db
from booking.models import AccountCommunication

from .conftest import charge

DETAILS = bank.TransferDetails(beneficiary="Coopérative des espaces partagés",
                               iban="BE68 5390 0754 7034", bic="GKCCBEBB",
                               amount_cents=20640, remittance="+++090/9337/55493+++")


def test_payload_follows_the_epc069_12_layout():
    lines = bank.epc_payload(DETAILS).split("\n")
    assert lines == ["BCD", "002", "1", "SCT", "GKCCBEBB", "Coopérative des espaces partagés",
                     "BE68539007547034", "EUR206.40", "", "", "+++090/9337/55493+++"]


def test_payload_without_amount_or_bic_keeps_the_positions():
    details = bank.TransferDetails("Coop", "BE68539007547034", "", 0, "+++090/9337/55493+++")
    assert bank.epc_payload(details) == ("BCD\n002\n1\nSCT\n\nCoop\nBE68539007547034\n\n\n\n"
                                         "+++090/9337/55493+++")


def test_the_png_decodes_back_to_the_payload():
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pytest.importorskip("PIL.Image")
    decoded = zxingcpp.read_barcodes(image.open(io.BytesIO(bank.qr_png(DETAILS))))
    assert [code.text for code in decoded] == [bank.epc_payload(DETAILS)]


def _with_communication(member, digits="090933755493"):
    db.session.add(AccountCommunication(member_id=member.id, digits=digits))
    db.session.commit()


def test_member_gets_their_qr_as_png_and_svg(client, login, member, coop_account):
    _with_communication(member)
    charge(member, 20640)
    login(member)
    png = client.get("/bank/qr/me.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")
    svg = client.get("/bank/qr/me.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pytest.importorskip("PIL.Image")
    text = zxingcpp.read_barcodes(image.open(io.BytesIO(png.data)))[0].text
    assert text.split("\n")[6:8] == ["BE68539007547034", "EUR206.40"]
    assert text.endswith("+++090/9337/55493+++")


def test_no_qr_before_the_bank_account_is_set(client, login, member):
    login(member)
    assert client.get("/bank/qr/me.png").status_code == 404


def test_member_cannot_fetch_another_members_qr(client, login, member, make_member,
                                                coop_account):
    other = make_member()
    login(member)
    assert client.get(f"/bank/qr/members/{other.id}.png").status_code == 403


def test_comanager_fetches_a_members_qr(client, login, comanager, member, coop_account):
    login(comanager)
    response = client.get(f"/bank/qr/members/{member.id}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
