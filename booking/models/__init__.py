"""All models, imported here so Alembic and the app see one metadata."""
from .accounts import (
    ROLES,
    AuditEvent,
    Member,
    Organisation,
    OrganisationJoinRequest,
    Plan,
    Settings,
)
from .api import ApiToken
from .bookings import ACTIVE_STATUSES, Booking, BookingSeries, Closure
from .ledger import (
    Allocation,
    AppendOnlyError,
    ChargeRun,
    ClosedMonth,
    Deposit,
    Expense,
    LedgerEntry,
    Payment,
)
from .notifications import (
    EMAIL_STATES,
    Notification,
    NotificationPreference,
    ReminderSetting,
)
from .quotas import OVER_LIMIT, PERIODS, QuotaRule
from .spaces import SPACE_KINDS, RefusedBooking, Space
from .surveys import (
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)

__all__ = [
    "ACTIVE_STATUSES",
    "EMAIL_STATES",
    "OVER_LIMIT",
    "PERIODS",
    "ROLES",
    "SPACE_KINDS",
    "Allocation",
    "ApiToken",
    "AppendOnlyError",
    "AuditEvent",
    "Booking",
    "BookingSeries",
    "ChargeRun",
    "ClosedMonth",
    "Closure",
    "Deposit",
    "Expense",
    "LedgerEntry",
    "Member",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "OrganisationJoinRequest",
    "Payment",
    "Plan",
    "QuotaRule",
    "RefusedBooking",
    "ReminderSetting",
    "Settings",
    "Space",
    "Survey",
    "SurveyAnswer",
    "SurveyOption",
    "SurveyParticipation",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveySection",
]
