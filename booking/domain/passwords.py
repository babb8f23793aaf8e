"""Password rules and hashing: long enough, not a common one, and the same work whether or not
an account exists, so the login form's timing does not tell who is a member."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import DomainError

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


class WeakPassword(DomainError):
    pass


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common passwords (lower-case), read once."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """In the list as typed, without spaces, or without the digits and signs added at the end
    ("Password1234!" is "password" with the usual decoration)."""
    folded = password.strip().lower()
    variants = {folded, "".join(folded.split()), folded.rstrip(_DECORATION)}
    return any(v in common_passwords() for v in variants if v)


_DECORATION = "0123456789!?.*_-+@#$%&"


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            _l("Choose a password of at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if is_common(password):
        raise WeakPassword(_l("This password is one of the most used ones, which are tried "
                              "first by attackers. Choose another, such as a few unrelated "
                              "words."))


def hash_password(password: str, method: str) -> str:
    return generate_password_hash(password, method=method)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)


def verify_password(stored_hash: str | None, password: str, method: str) -> bool:
    """True when `password` matches; without a stored hash, a dummy one made with the
    configured method is checked instead, costing the same time as a real check."""
    if not stored_hash:
        check_password_hash(_dummy_hash(method), password)
        return False
    return check_password_hash(stored_hash, password)
