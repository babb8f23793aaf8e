"""All models, imported here so Alembic and the app see one metadata."""
from .accounts import ROLES, AuditEvent, Member, Organisation, Plan, Settings
from .api import ApiToken
from .quotas import OVER_LIMIT, PERIODS, QuotaRule
from .spaces import (
    ACTIVE_STATUSES,
    SPACE_KINDS,
    Booking,
    BookingSeries,
    Closure,
    RefusedBooking,
    Space,
)

__all__ = [
    "ACTIVE_STATUSES",
    "OVER_LIMIT",
    "PERIODS",
    "ROLES",
    "SPACE_KINDS",
    "ApiToken",
    "AuditEvent",
    "Booking",
    "BookingSeries",
    "Closure",
    "Member",
    "Organisation",
    "Plan",
    "QuotaRule",
    "RefusedBooking",
    "Settings",
    "Space",
]
