"""The API's blueprint: every call needs a Bearer token (except the description), is rate
limited per token, and answers errors as RFC 9457 problem documents."""
from __future__ import annotations

from flask import Blueprint, request
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, limiter
from .auth import authenticate, rate_limit, rate_limit_key
from .openapi import PUBLIC_ENDPOINTS
from .problems import ApiProblem, from_exception, problem_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # safe: every call needs a Bearer token, never a cookie session
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)


@bp.before_request
def _authenticate():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate()


@bp.errorhandler(ApiProblem)
def _problem(error: ApiProblem):
    return from_exception(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return problem_response(error.code or 500)
