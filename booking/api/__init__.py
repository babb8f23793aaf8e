"""JSON API v1 at /api/v1: token-authenticated, described by OpenAPI 3.1.

Thin handlers, one module per area, calling the same domain functions as the HTML pages.
Each endpoint is declared with `endpoint(...)`, which also documents it. Times are RFC 3339
with an offset; errors are RFC 9457 problems; one commit per call, in the handler.
Importing the area modules registers their routes on `bp`.
"""
from . import (  # noqa: F401
    bank,
    bookings,
    desk,
    governance,
    knowledge,
    ledger,
    me,
    meta,
    notifications,
    quotas,
    spaces,
    survey,
)
from .blueprint import bp

__all__ = ["bp"]
