"""JSON Schemas of the bank endpoints, added to the API's shared components."""
from __future__ import annotations

from .schemas import COMPONENTS, ID, NULLABLE_ID

_NULLABLE_TEXT = {"type": ["string", "null"]}
_ACCOUNT = {"type": "object", "required": ["member_id", "organisation_id"],
            "properties": {"member_id": NULLABLE_ID, "organisation_id": NULLABLE_ID,
                           "name": {"type": "string"}}}

BANK_COMPONENTS = {
    "PaymentInstructions": {
        "type": "object",
        "required": ["amount_due_cents", "iban", "bic", "beneficiary",
                     "structured_communication", "qr_png_url"],
        "properties": {
            "amount_due_cents": {"type": "integer", "minimum": 0},
            "iban": _NULLABLE_TEXT, "bic": _NULLABLE_TEXT, "beneficiary": {"type": "string"},
            "structured_communication": {"type": "string",
                                         "pattern": r"^\+\+\+\d{3}/\d{4}/\d{5}\+\+\+$",
                                         "examples": ["+++090/9337/55493+++"]},
            "qr_png_url": {"type": ["string", "null"], "format": "uri"},
        },
    },
    "StatementImport": {
        "type": "object",
        "required": ["lines", "matched", "queued", "duplicates", "pending", "payments"],
        "properties": {
            "lines": {"type": "integer"}, "matched": {"type": "integer"},
            "queued": {"type": "integer"}, "duplicates": {"type": "integer"},
            "pending": {"type": "integer", "minimum": 0,
                        "description": "Entries not booked yet by the bank (CAMT.053 PDNG): "
                                       "not imported, not counted in `lines`; they are "
                                       "imported from the statement that books them."},
            "payments": {"type": "array", "items": {
                "type": "object",
                "required": ["payment_id", "account", "amount_cents", "matched_by"],
                "properties": {"payment_id": ID, "account": _ACCOUNT,
                               "amount_cents": {"type": "integer"},
                               "matched_by": {"enum": ["communication", "iban"]}}}},
        },
    },
    "BankLine": {
        "type": "object",
        "required": ["id", "booked_on", "amount_cents", "status"],
        "properties": {
            "id": ID, "booked_on": {"type": "string", "format": "date"},
            "amount_cents": {"type": "integer", "description": "+ received, - spent."},
            "counterparty_name": {"type": "string"}, "counterparty_iban": {"type": "string"},
            "communication": {"type": "string"},
            "structured_communication": _NULLABLE_TEXT,
            "bank_reference": {"type": "string"},
            "status": {"enum": ["queued", "debit", "matched", "ignored", "expense",
                                "returned"]},
            "matched_by": {"type": ["string", "null"]},
            "member_id": NULLABLE_ID, "organisation_id": NULLABLE_ID,
            "proposed": {"oneOf": [{"type": "null"}, _ACCOUNT]},
        },
    },
    "BankLineGiveBack": {
        "type": "object", "additionalProperties": False, "required": ["original_line_id"],
        "properties": {"original_line_id": {**ID, "description": "The credit it gives back."}},
    },
    "BankLineAssign": {
        "type": "object", "additionalProperties": False,
        "description": "Exactly one of member_id and organisation_id.",
        "oneOf": [{"required": ["member_id"]}, {"required": ["organisation_id"]}],
        "properties": {"member_id": ID, "organisation_id": ID},
    },
}

_COLUMN = {"type": "string", "maxLength": 80}
_MAPPING_FIELDS = {
    "bank_name": {"type": "string", "minLength": 1, "maxLength": 80,
                  "description": "One mapping per bank: saving a known name replaces it."},
    "delimiter": {"enum": [";", ",", "\t"], "default": ";"},
    "date_format": {"type": "string", "maxLength": 20, "default": "%d/%m/%Y",
                    "examples": ["%d/%m/%Y", "%Y-%m-%d"]},
    "decimal_comma": {"type": "boolean", "default": True,
                      "description": "Amounts written 12,50 (true) or 12.50 (false)."},
    "date_column": _COLUMN,
    "amount_column": {**_COLUMN, "description": "One signed amount; or leave it empty and "
                                                 "give debit_column and credit_column."},
    "debit_column": _COLUMN, "credit_column": _COLUMN, "name_column": _COLUMN,
    "iban_column": _COLUMN, "communication_column": _COLUMN, "reference_column": _COLUMN,
}
BANK_COMPONENTS["CsvMapping"] = {
    "type": "object", "required": ["id", *_MAPPING_FIELDS],
    "properties": {"id": ID, **_MAPPING_FIELDS},
}
BANK_COMPONENTS["CsvMappingSave"] = {
    "type": "object", "additionalProperties": False, "required": ["bank_name", "date_column"],
    "description": "Column names as in the CSV file's header row. Either amount_column, or "
                   "both debit_column and credit_column (ING, Belfius).",
    "properties": _MAPPING_FIELDS,
}

COMPONENTS.update(BANK_COMPONENTS)
