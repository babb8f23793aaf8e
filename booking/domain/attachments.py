"""Files members upload (invoices on expenses, templates in the toolbox): checked by content
(not by name) and stored under a random name, so nothing uploaded is ever served as something
else. Each area says which types it accepts with `detect` and `refusal`. The folder and the
files are private to the application's user and group (0750 / 0640), whatever the umask."""
from __future__ import annotations

import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from .errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
NAME_MAX = 200
STEM_MAX = 40  # the stored name fits Expense.attachment_file (80)
FOLDER_MODE = 0o750
FILE_MODE = 0o640
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
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
                     refusal=None, *, original_name: str = "") -> tuple[str, str]:
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
    make_private_folder(folder)
    name = storage_name(original_name, extension)
    descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "wb") as stored:
        stored.write(data)
    return name, media_type


def storage_name(original_name: str, extension: str) -> str:
    """A random prefix, the uploaded name through `secure_filename` (ASCII, no path), and the
    extension of the content actually found."""
    stem = secure_filename(Path(display_name(original_name)).stem)[:STEM_MAX]
    return f"{secrets.token_hex(16)}{'-' + stem if stem else ''}.{extension}"


def display_name(original_name: str | None) -> str:
    """The uploaded name as shown and offered for download: its last path part (browsers may
    send "C:\\fakepath\\x.pdf"), without control characters, at most NAME_MAX long."""
    name = unicodedata.normalize("NFC", original_name or "")
    name = CONTROL.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:NAME_MAX] or "invoice"


def make_private_folder(folder: Path) -> None:
    """Create `folder` (and parents) readable by the application's user and group only."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o007:
        folder.chmod(folder.stat().st_mode & ~0o007)
