"""Downloads, built one way: CSV in UTF-8 with a BOM (so spreadsheets read accents right) and
cells that a spreadsheet would run as a formula turned into plain text; file names in the
Content-Disposition header quoted per RFC 6266."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from flask import Response

UNSAFE_IN_QUOTES = re.compile(r'[\x00-\x1f\x7f"\\;/]|[^\x20-\x7e]')
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def safe_cell(value: object) -> object:
    """A cell as text no spreadsheet will evaluate (CSV injection); numbers stay numbers."""
    if value is None:
        return ""
    if not isinstance(value, str) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """`attachment; filename="..."` with an ASCII fallback (no quote, backslash or control
    character) and, when the name is not plain ASCII, `filename*=UTF-8''...` (RFC 6266/5987)."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = UNSAFE_IN_QUOTES.sub("_", fallback).strip() or "download"
    value = f'{disposition}; filename="{fallback}"'
    if fallback != filename:
        value += "; filename*=UTF-8''" + quote(filename, safe="")
    return value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def csv_response(filename: str, header: Sequence[object],
                 rows: Iterable[Sequence[object]]) -> Response:
    """A CSV file to download: every export of the application goes through here."""
    return Response(csv_text(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition(filename)})
