"""The cooperative's bank account: structured communications, payment QR codes, statement
import (CAMT.053, CSV) and reconciliation with the ledger.

`from booking.domain import bank` gives every name below.
"""
from __future__ import annotations

from .camt import StatementDoesNotAddUp, parse_camt053
from .communications import (
    check_digits,
    communication_for,
    find_in_text,
    formatted,
    is_valid,
)
from .csv_import import MAPPED_FIELDS as csv_import_fields
from .csv_import import (
    CsvPreview,
    csv_mappings,
    csv_preview,
    parse_csv,
    save_csv_mapping,
)
from .epc_qr import TransferDetails, epc_payload, qr_png, qr_svg
from .importing import ImportResult, import_statements, read_statement_file
from .instructions import (
    PaymentInstructions,
    account_balance,
    members_to_remind,
    payment_instructions,
)
from .matching import candidate_accounts, match_context, suggestions
from .notices import notify_payment_reminder
from .parsed import ParsedLine, ParsedStatement, StatementUnreadable
from .reconciliation import (
    LineNotOpen,
    assign_line,
    debit_to_expense,
    give_back,
    is_waiting_return,
    lines_waiting,
    mark_not_ours,
    return_candidates,
    split_line,
)

__all__ = [
    "CsvPreview", "ImportResult", "LineNotOpen", "ParsedLine", "ParsedStatement",
    "PaymentInstructions",
    "StatementDoesNotAddUp", "StatementUnreadable", "TransferDetails", "account_balance",
    "assign_line",
    "candidate_accounts", "check_digits", "communication_for",
    "csv_import_fields", "csv_mappings", "csv_preview",
    "debit_to_expense", "epc_payload", "find_in_text", "formatted", "give_back",
    "import_statements", "is_waiting_return",
    "is_valid", "lines_waiting", "mark_not_ours", "match_context", "members_to_remind",
    "notify_payment_reminder",
    "parse_camt053", "parse_csv", "payment_instructions", "qr_png", "qr_svg",
    "read_statement_file", "return_candidates", "save_csv_mapping", "split_line", "suggestions",
]
