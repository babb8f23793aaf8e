"""RFC 9457 problem details: every API error is application/problem+json.

`type` is a URN ending in a stable slug (quota-exceeded, booking-conflict, ...) that scripts
can test; `title` names the kind of problem and `detail` says, in the reader's language, what
happened and what to do next.
"""
from __future__ import annotations

from flask import Response, json
from flask_babel import lazy_gettext as _l

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:mutualise:problem:"

TITLES = {
    400: _l("Malformed request"),
    401: _l("Authentication needed"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Request too large"),
    422: _l("Invalid request"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Service unavailable"),
}
DEFAULT_TYPES = {
    400: "malformed-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 409: "conflict", 413: "too-large", 422: "validation-error",
    429: "rate-limited", 500: "server-error", 503: "unavailable",
}
DEFAULT_DETAILS = {
    401: _l("Send a valid personal access token in the Authorization header: "
            "“Authorization: Bearer <token>”. Create one on your profile page."),
    403: _l("This needs a co-manager, or concerns another member."),
    404: _l("Nothing exists at this address. Check the path and the number in it."),
    405: _l("This address does not accept this method. See the API description."),
    413: _l("Send a smaller request body."),
    429: _l("Too many requests with this token. Wait a minute before trying again."),
    500: _l("Something went wrong on our side. Try again in a moment."),
}


class ApiProblem(Exception):
    """Raise anywhere in the API to answer with a problem document."""

    def __init__(self, status: int, detail=None, type_: str | None = None, **extra):
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.type = type_ or DEFAULT_TYPES.get(status, "error")
        self.extra = extra


def problem_response(status: int, detail=None, type_: str | None = None, **extra) -> Response:
    body = {
        "type": TYPE_PREFIX + (type_ or DEFAULT_TYPES.get(status, "error")),
        "title": str(TITLES.get(status, TITLES[400 if status < 500 else 500])),
        "status": status,
        "detail": str(detail if detail is not None else DEFAULT_DETAILS.get(status, "")),
    }
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mutualise"'
    return response


def from_exception(problem: ApiProblem) -> Response:
    return problem_response(problem.status, problem.detail, problem.type, **problem.extra)
