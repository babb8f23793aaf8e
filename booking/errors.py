"""Friendly error pages in the reader's language; server errors logged with a request id.

When the database is unavailable, the answer is a 503 that needs no database: a problem
document for the API, a static page for browsers, each logged in one line without traceback."""
from __future__ import annotations

import logging
from contextlib import suppress

from flask import Flask, current_app, g, make_response, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc

from . import logs, outages

logger = logging.getLogger("booking.errors")
UNAVAILABLE_DETAIL = _l("The database is not answering for a moment. Try again in a few "
                        "seconds.")

ERROR_TEXTS = {
    400: (_l("The request could not be understood"),
          _l("Something in what was sent is not right. Go back, reload the page and try again.")),
    403: (_l("You do not have access to this page"),
          _l("This page is for co-managers, or for another member. If you think you should "
             "see it, ask a co-manager.")),
    404: (_l("Page not found"),
          _l("The address may be mistyped, or the page was removed. Use the menu to find "
             "your way.")),
    405: (_l("This action is not possible here"),
          _l("The page was reached in a way it does not accept. Go back and use the buttons "
             "on the page.")),
    413: (_l("The file is too large"),
          _l("Send a smaller file (10 MB at most).")),
    429: (_l("Too many attempts"),
          _l("Wait a minute before trying again.")),
    500: (_l("Something went wrong on our side"),
          _l("The error was logged. Try again in a moment; if it persists, give the reference "
             "below to an admin.")),
}


def _render_error(code: int, detail=None):
    if request.path.startswith("/api/"):  # API callers read problem documents, not pages
        from .api.problems import problem_response

        return problem_response(code)
    title, hint = ERROR_TEXTS[code]
    try:
        return render_template(
            "errors/error.html", code=code, title=title, hint=detail or hint,
            request_id=g.get("request_id"),
        ), code
    except (exc.DBAPIError, exc.TimeoutError, outages.DatabaseUnavailable) as error:
        return database_unavailable(error)  # the layout reads the database too


def log_unexpected(exc_info) -> None:
    """The one log entry of an unexpected error: its traceback, under the request's id."""
    logger.error("%s %s failed (request %s)", request.method, logs.request_path(),
                 g.get("request_id"), exc_info=exc_info)


def _reader_locale() -> str:
    """The reader's language from the session or the browser: never from the profile, which
    would need the database."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return (request.accept_languages.best_match(languages)
            or current_app.config["BABEL_DEFAULT_LOCALE"])


def _number_out_of_range(error: Exception) -> bool:
    """A number from a query string beyond PostgreSQL's integer: it matches no row (ids in
    paths are bounded by their converter; this catches `?space=99999999999` and the like)."""
    return (isinstance(error, exc.DataError)
            and type(error.orig).__name__ == "NumericValueOutOfRange")


def database_unavailable(error: Exception):
    """503, Retry-After, and nothing after this touches the database: the member (whose
    attributes would be reloaded) is replaced by an anonymous user for the rest of the request."""
    if _number_out_of_range(error):
        from .extensions import db

        db.session.rollback()  # PostgreSQL refuses every statement of the failed transaction
        return _render_error(404)
    if not outages.is_unavailable(error):
        raise error  # a bug: Flask logs it with its traceback and answers 500
    from .extensions import login_manager

    g.log_member_id = logs.member_id()
    g._login_user = login_manager.anonymous_user()
    logs.note_failure("database unavailable: " + outages.short_reason(error))
    with force_locale(_reader_locale()):
        if request.path.startswith("/api/"):
            from .api.problems import problem_response

            response = problem_response(503, UNAVAILABLE_DETAIL, "database-unavailable")
        else:
            # Rendered without the context processors: they read the database.
            page = current_app.jinja_env.get_template("errors/unavailable.html").render(
                locale=_reader_locale(), request_id=g.get("request_id"),
                stylesheet=url_for("static", filename="css/app.css"))
            response = make_response(page, 503)
    g.outage_retry_after = str(current_app.config["DB_RETRY_AFTER"])
    response.headers["Retry-After"] = g.outage_retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


# The answers that ask a client to wait: too many calls, or the database down. The rate
# limiter sets Retry-After on every answer; on a 200 some clients would hold back for nothing,
# and on a redirect it would ask them to wait before following it (RFC 9110, 10.2.3).
_WAIT_STATUSES = frozenset({429, 503})


def retry_after_only_when_waiting(app: Flask) -> None:
    """Register before the rate limiter: Flask runs after_request hooks in reverse, so this
    one runs after the limiter's, which sets Retry-After to its own reset (up to a minute) on
    every answer; an outage's 503 says when the database may answer again instead, and an
    answered call says nothing of the kind."""

    @app.after_request
    def _retry_after(response):
        if "outage_retry_after" in g:
            response.headers["Retry-After"] = g.outage_retry_after
        elif response.status_code not in _WAIT_STATUSES:
            response.headers.pop("Retry-After", None)
        return response


def init_app(app: Flask) -> None:
    for error_class in (exc.DBAPIError, exc.TimeoutError, outages.DatabaseUnavailable):
        app.register_error_handler(error_class, database_unavailable)

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda e, code=code: _render_error(code))

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return _render_error(400, _l(
            "The form expired or was sent from another page. Reload the page and send it again."))

    @app.errorhandler(500)
    def _server_error(error):
        from .extensions import db

        with suppress(exc.SQLAlchemyError):  # a lost connection: the pool replaces it
            db.session.rollback()
        return _render_error(500)  # already logged once, by log_unexpected
