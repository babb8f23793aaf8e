"""Reading CAMT.053: the sample file, several statements, other versions, unsafe XML."""
from datetime import date

import pytest

from booking.domain import bank

from .conftest import SAMPLE


def test_sample_statement_is_read_in_cents_with_dates_and_references():
    [statement] = bank.parse_camt053(SAMPLE.read_bytes())
    assert statement.reference == "2027-02-28-BE68539007547034"
    assert statement.account_iban == "BE68539007547034"
    assert (statement.from_date, statement.to_date) == (date(2027, 2, 1), date(2027, 2, 28))
    amounts = [line.amount_cents for line in statement.lines]
    assert amounts == [8640, 12000, 4550, 5000, -35000, -4550]
    # Opening 4210.35 + the movements = closing 4116.75.
    assert 421035 + sum(amounts) == 411675
    first = statement.lines[0]
    assert first.booked_on == date(2027, 2, 3)
    assert first.bank_reference == "2027020300417"
    assert (first.counterparty_name, first.counterparty_iban) == ("DUPONT LEA",
                                                                  "BE71096123456769")
    assert first.structured == "090933755493"


def test_free_text_communication_and_unknown_one():
    lines = bank.parse_camt053(SAMPLE.read_bytes())[0].lines
    assert lines[1].structured == "090933755493"  # typed in the free text
    assert "quote-part atelier" in lines[1].communication
    assert lines[3].structured is None and lines[3].communication == "Sofia repetitions fevrier"


def test_batched_entry_gives_one_line_per_transfer_with_distinct_references():
    lines = bank.parse_camt053(SAMPLE.read_bytes())[0].lines
    batch = lines[2:4]
    assert [line.booked_on for line in batch] == [date(2027, 2, 12)] * 2
    assert [line.counterparty_name for line in batch] == ["PEETERS JAN", "SOFIA MARTINEZ"]
    assert len({line.dedup_key for line in lines}) == len(lines)


def test_debit_and_returned_transfer():
    lines = bank.parse_camt053(SAMPLE.read_bytes())[0].lines
    rent, returned = lines[4], lines[5]
    assert (rent.counterparty_name, rent.reversal) == ("SCRL IMMO CHAUSSEE", False)
    assert returned.reversal and returned.original_reference == "2027021200988-1"
    assert returned.counterparty_name == "PEETERS JAN"


def test_several_statements_and_version_08():
    text = SAMPLE.read_text().replace("camt.053.001.02", "camt.053.001.08")
    start, end = text.index("<Stmt>"), text.index("</Stmt>") + len("</Stmt>")
    second = text[start:end].replace("2027-02-28-BE68539007547034", "STMT-2").replace(
        "<AcctSvcrRef>2027", "<AcctSvcrRef>X2027")
    statements = bank.parse_camt053((text[:end] + second + text[end:]).encode())
    assert [s.reference for s in statements] == ["2027-02-28-BE68539007547034", "STMT-2"]
    assert len(statements[1].lines) == 6


@pytest.mark.parametrize("content", [
    b"not xml at all",
    b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&x;</Document>',
])
def test_other_files_are_refused_with_a_message(content):
    with pytest.raises(bank.StatementUnreadable):
        bank.parse_camt053(content)
