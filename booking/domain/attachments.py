"""Files members upload (invoices on expenses, templates in the toolbox): checked by content
(not by name) and stored under a random name, so nothing uploaded is ever served as something
else. Each area says which types it accepts with `detect` and `refusal`."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from flask_babel import lazy_gettext as _l

from .errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {  # first bytes -> (type, extension)
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}


def detect_by_signature(data: bytes) -> tuple[str, str] | None:
    """(media type, extension) of a PDF, PNG or JPEG file, from its first bytes."""
    return next((kind for signature, kind in SIGNATURES.items() if data.startswith(signature)),
                None)


def store_attachment(data: bytes, folder: Path,
                     detect: Callable[[bytes], tuple[str, str] | None] = detect_by_signature,
                     refusal=None) -> tuple[str, str]:
    """Save a file; returns (stored file name, media type). Raises DomainError if refused.

    `detect` names the accepted types (by content); `refusal` says which ones they are.
    """
    if not data:
        raise DomainError(_l("The file is empty. Choose the invoice again."))
    if len(data) > MAX_BYTES:
        raise DomainError(_l("The file is larger than 5 MB. Send a smaller scan or a PDF."))
    kind = detect(data)
    if kind is None:
        raise DomainError(refusal or _l("Only PDF, PNG or JPEG invoices are accepted. Save it "
                                        "in one of these formats."))
    media_type, extension = kind
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    (folder / name).write_bytes(data)
    return name, media_type
