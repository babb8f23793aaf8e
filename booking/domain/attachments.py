"""Invoices attached to expenses: checked by content (not by name) and stored under a random
name, so nothing a person uploads is ever served as something else."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask_babel import lazy_gettext as _l

from .errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {  # first bytes -> (type, extension)
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}


def store_attachment(data: bytes, folder: Path) -> tuple[str, str]:
    """Save an invoice; returns (stored file name, media type). Raises DomainError if refused."""
    if not data:
        raise DomainError(_l("The file is empty. Choose the invoice again."))
    if len(data) > MAX_BYTES:
        raise DomainError(_l("The file is larger than 5 MB. Send a smaller scan or a PDF."))
    kind = next((kind for signature, kind in SIGNATURES.items() if data.startswith(signature)),
                None)
    if kind is None:
        raise DomainError(_l("Only PDF, PNG or JPEG invoices are accepted. Save it in one of "
                             "these formats."))
    media_type, extension = kind
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    (folder / name).write_bytes(data)
    return name, media_type
