"""All models, imported here so Alembic and the app see one metadata."""
from .accounts import ROLES, AuditEvent, Member, Organisation, Plan, Settings

__all__ = ["ROLES", "AuditEvent", "Member", "Organisation", "Plan", "Settings"]
