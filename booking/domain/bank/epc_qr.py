"""The EPC QR code (EPC069-12, version 002) a banking app scans to fill in a SEPA transfer."""
from __future__ import annotations

import io
from dataclasses import dataclass

import segno


@dataclass(frozen=True)
class TransferDetails:
    beneficiary: str
    iban: str
    bic: str
    amount_cents: int
    remittance: str


def epc_payload(details: TransferDetails) -> str:
    """The payload, one element per line (LF), as EPC069-12 lays it out:

    service tag BCD, version 002, character set 1 (UTF-8), identification SCT, BIC (optional
    in version 002), beneficiary name (70 max), IBAN, amount EUR#.## (empty when nothing is
    due), purpose (empty), structured reference (empty: it is for ISO 11649 RF references),
    unstructured remittance (140 max). The Belgian communication goes in the unstructured
    field in its +++ form, which Belgian banks recognise. Trailing empty elements are left out.
    """
    amount = (f"EUR{details.amount_cents // 100}.{details.amount_cents % 100:02d}"
              if 0 < details.amount_cents <= 99_999_999_999 else "")
    elements = ["BCD", "002", "1", "SCT", details.bic.replace(" ", "").upper(),
                details.beneficiary.strip()[:70], details.iban.replace(" ", "").upper(),
                amount, "", "", details.remittance[:140]]
    while elements and not elements[-1]:
        elements.pop()
    return "\n".join(elements)


def epc_qr(details: TransferDetails) -> segno.QRCode:
    # EPC069-12 asks for error correction level M and a version of 13 at most.
    return segno.make_qr(epc_payload(details), error="m", boost_error=False, encoding="utf-8")


def qr_png(details: TransferDetails, scale: int = 6) -> bytes:
    out = io.BytesIO()
    epc_qr(details).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(details: TransferDetails, scale: int = 6) -> bytes:
    out = io.BytesIO()
    epc_qr(details).save(out, kind="svg", scale=scale, border=4, xmldecl=True,
                         title="EPC QR", svgclass=None, lineclass=None)
    return out.getvalue()
