"""What reaches the log: one line per request (text, or JSON with LOG_FORMAT=json), every record
with its request id (which a client cannot forge into the log), and no secret (a token in a
path, such as a feed's or a password reset's, `?token=` values) written in full."""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
RULE_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
PATH_SEGMENT = r"[^/\s?\"']+"
# Paths of the routes with a token (filled from the app's routes; the feed token is the only
# login of a calendar feed), for text where no route matched: 404s, other loggers' lines.
TOKEN_IN_PATH: set[re.Pattern] = {re.compile(rf"(/feeds/)({PATH_SEGMENT})")}
TOKEN_IN_QUERY = re.compile(r"([?&](?:token|secret|key|password)=)[^&\s\"']*", re.IGNORECASE)
REDACTED = r"\1[redacted]"
REDACTED_VALUE = "[redacted]"
REQUEST_LOGGER = "booking.requests"


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a plain short id, else a new one.

    Anything else (newlines, spaces, a long text) could forge log lines or fill them.
    """
    if header and REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex[:12]


def is_secret_argument(name: str) -> bool:
    """A route argument that grants access by itself (a reset link, an invitation, a feed)."""
    return name == "token" or name.endswith("_token")


def _token_pattern(rule: str) -> re.Pattern | None:
    """`rule` up to its last secret argument, as a pattern whose even groups are secrets."""
    pattern, last, secret_end = "(", 0, None
    for variable in RULE_VARIABLE.finditer(rule):
        pattern += re.escape(rule[last:variable.start()])
        if is_secret_argument(variable.group(1)):
            pattern += f")({PATH_SEGMENT})("
            secret_end = len(pattern)
        else:
            pattern += PATH_SEGMENT
        last = variable.end()
    return re.compile(pattern[:secret_end - 1]) if secret_end else None


def learn_token_paths(app: Flask) -> None:
    """Remember the paths of `app`'s routes with a token, for `redact`."""
    for rule in app.url_map.iter_rules():
        pattern = _token_pattern(rule.rule)
        if pattern is not None:
            TOKEN_IN_PATH.add(pattern)


def _hide_secret_groups(match: re.Match) -> str:
    return "".join(REDACTED_VALUE if number % 2 == 0 else part
                   for number, part in enumerate(match.groups(), start=1))


def redact(text: str) -> str:
    """`text` with every token in a route's path and token-like query value replaced by
    "[redacted]"."""
    for pattern in TOKEN_IN_PATH:
        text = pattern.sub(_hide_secret_groups, text)
    return TOKEN_IN_QUERY.sub(REDACTED, text)


def request_path() -> str:
    """The request's path and query for the log, secrets hidden: the matched route's secret
    arguments, whatever their paths look like, then what `redact` recognises."""
    path = request.path
    secrets = {str(value) for name, value in (request.view_args or {}).items()
               if is_secret_argument(name)}
    if secrets:
        path = "/".join(REDACTED_VALUE if segment in secrets else segment
                        for segment in path.split("/"))
    if request.query_string:
        path += "?" + request.query_string.decode(errors="replace")
    return redact(path)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message so a URL with a token logged by anyone (the app, the
    development server's access log) never shows the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was logged in ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (g.get("request_id", "-") if has_app_context() else "-")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: what log collectors parse without rules."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def init_logging(app: Flask | None = None) -> None:
    """One handler on the root logger in the chosen format, with the request id and the
    redaction on it (records of child loggers reach it without passing the loggers' filters)."""
    config = app.config if app is not None else {}
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    root.setLevel(str(config.get("LOG_LEVEL", "INFO")).upper())
    formatter = (JsonFormatter() if str(config.get("LOG_FORMAT", "text")).lower() == "json"
                 else logging.Formatter(TEXT_FORMAT))
    for handler in root.handlers:
        if type(handler) is logging.StreamHandler or isinstance(handler, logging.FileHandler):
            handler.setFormatter(formatter)
    loggers = [logging.getLogger(name) for name in
               ("booking", "werkzeug", "gunicorn.access", "gunicorn.error")]
    for target in [*loggers, *root.handlers]:
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())
        if not any(isinstance(f, RequestIdFilter) for f in target.filters):
            target.addFilter(RequestIdFilter())


def start_request() -> None:
    """First thing of every request, before anything (rate limiter, login) reads the database."""
    g.request_id = request_id_from(request.headers.get("X-Request-ID"))
    g.request_started = time.perf_counter()
    g.sql_statements = 0


def note_failure(reason: str) -> None:
    """Put a known failure (database unavailable) on the request's line instead of its own."""
    g.request_failure = reason


@event.listens_for(Engine, "before_cursor_execute")
def _count_statement(conn, cursor, statement, parameters, context, executemany):
    if has_request_context() and "sql_statements" in g:
        g.sql_statements += 1


def member_id() -> int | None:
    """The signed-in member's id, read from the identity map: never a query."""
    if "log_member_id" in g:
        return g.log_member_id
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None


def request_fields(status: int) -> dict:
    return {
        "method": request.method,
        "path": request_path(),
        "status": status,
        "duration_ms": round((time.perf_counter() - g.get("request_started", time.perf_counter()))
                             * 1000, 1),
        "member_id": member_id(),
        "sql": g.get("sql_statements", 0),
    }


def log_each_request(app: Flask) -> None:
    """Register first, so it runs after every other after_request hook (Flask runs them in
    reverse) and sees the final status."""
    logger = logging.getLogger(REQUEST_LOGGER)

    @app.after_request
    def _request_line(response):
        fields = request_fields(response.status_code)
        failure = g.get("request_failure")
        if failure:
            fields["error"] = failure
        message = (f"{fields['method']} {fields['path']} {fields['status']} "
                   f"{fields['duration_ms']}ms member={fields['member_id'] or '-'} "
                   f"sql={fields['sql']}" + (f" error={failure}" if failure else ""))
        level = logging.WARNING if failure or response.status_code >= 500 else logging.INFO
        logger.log(level, message, extra={"fields": fields})
        return response
