"""What reaches the log: a request id the client cannot forge into the log, and no secret
(feed tokens in paths) written in full."""
from __future__ import annotations

import logging
import re
import uuid

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# /feeds/<token>/...: the token is the only login of a calendar feed.
FEED_TOKEN_IN_PATH = re.compile(r"(/feeds/)[^/\s?\"']+")
REDACTED = r"\1[redacted]"


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a plain short id, else a new one.

    Anything else (newlines, spaces, a long text) could forge log lines or fill them.
    """
    if header and REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex[:12]


def redact(text: str) -> str:
    """`text` with every feed token replaced by "[redacted]"."""
    return FEED_TOKEN_IN_PATH.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message so a feed URL logged by anyone (the app, the development
    server's access log) never shows its token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def init_logging() -> None:
    """Attach the filter once to the loggers that write request paths, and to the root
    handlers (records of child loggers reach those without passing the loggers' filters)."""
    loggers = [logging.getLogger(name) for name in
               ("booking", "werkzeug", "gunicorn.access", "gunicorn.error")]
    for target in [*loggers, *logging.getLogger().handlers]:
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())
