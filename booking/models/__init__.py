"""All models, imported here so Alembic and the app see one metadata."""
from .accounts import ROLES, AuditEvent, Member, Organisation, Plan, Settings
from .api import ApiToken
from .bank import AccountCommunication, BankLine, BankLinePayment, BankStatement, CsvMapping
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
    "OVER_LIMIT",
    "PERIODS",
    "ROLES",
    "SPACE_KINDS",
    "AccountCommunication",
    "Allocation",
    "ApiToken",
    "AppendOnlyError",
    "AuditEvent",
    "BankLine",
    "BankLinePayment",
    "BankStatement",
    "Booking",
    "BookingSeries",
    "ChargeRun",
    "ClosedMonth",
    "Closure",
    "CsvMapping",
    "Deposit",
    "Expense",
    "LedgerEntry",
    "Member",
    "Organisation",
    "Payment",
    "Plan",
    "QuotaRule",
    "RefusedBooking",
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
