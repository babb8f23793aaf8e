"""All models, imported here so Alembic and the app see one metadata."""
from .accounts import ROLES, AuditEvent, Member, Organisation, Plan, Settings
from .spaces import (
    ACTIVE_STATUSES,
    SPACE_KINDS,
    Booking,
    BookingSeries,
    Closure,
    RefusedBooking,
    Space,
)
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
    "ACTIVE_STATUSES", "ROLES", "SPACE_KINDS", "AuditEvent", "Booking", "BookingSeries",
    "Closure", "Member", "Organisation", "Plan", "RefusedBooking", "Settings", "Space",
    "Survey", "SurveyAnswer", "SurveyOption", "SurveyParticipation", "SurveyQuestion",
    "SurveyResponse", "SurveySection",
]
