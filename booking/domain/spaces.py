"""Setting up spaces: co-managers describe them; archived ones keep their history."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Member, Space
from .accounts import record_audit
from .errors import DomainError

KIND_LABELS = {
    "rehearsal_room": _l("Rehearsal room"),
    "decor_workshop": _l("Decor workshop"),
    "storage": _l("Storage"),
    "equipment": _l("Shared equipment"),
}

SPACE_FIELDS = (
    "name", "kind", "description", "capacity", "access_instructions", "address", "colour",
    "hourly_weight_pct", "hourly_rate_cents", "opening_hours", "slot_minutes", "min_minutes",
    "max_minutes", "horizon_days", "notice_minutes", "buffer_minutes", "cancel_notice_hours",
    "needs_approval", "show_titles",
)


def save_space(session: Session, actor: Member, space: Space | None, values: dict) -> Space:
    """Create (space=None) or update a space from plain values; names are unique."""
    name = values["name"].strip()
    query = select(Space.id).where(func.lower(Space.name) == name.lower())
    if space is not None and space.id is not None:
        query = query.where(Space.id != space.id)
    if session.execute(query).first():
        raise DomainError(_l("A space named %(name)s already exists. Choose another name.",
                             name=name))
    if values["max_minutes"] < values["min_minutes"]:
        raise DomainError(_l("The longest booking cannot be shorter than the shortest."))
    creating = space is None
    if creating:
        space = Space(active=True)
        session.add(space)
    for field in SPACE_FIELDS:
        if field in values:
            setattr(space, field, values[field])
    space.name = name
    session.flush()
    record_audit(session, actor, "space.create" if creating else "space.update", "space",
                 space.id, name)
    return space


def set_space_active(session: Session, actor: Member, space: Space, active: bool) -> None:
    """Archive (no new bookings, history kept) or bring back a space."""
    space.active = active
    record_audit(session, actor, "space.restore" if active else "space.archive", "space",
                 space.id, space.name)
    session.flush()
