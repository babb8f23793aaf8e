"""Friendly error pages in the reader's language; server errors logged with a request id."""
from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

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
    return render_template(
        "errors/error.html", code=code, title=title, hint=detail or hint,
        request_id=g.get("request_id"),
    ), code


def init_app(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda e, code=code: _render_error(code))

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return _render_error(400, _l(
            "The form expired or was sent from another page. Reload the page and send it again."))

    @app.errorhandler(500)
    def _server_error(error):
        from .extensions import db

        db.session.rollback()
        original = getattr(error, "original_exception", error)
        app.logger.error("request %s to %s failed", g.get("request_id"), request.path,
                         exc_info=original)
        return _render_error(500)
