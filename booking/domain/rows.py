"""Hot-path lookups: an object by its number and Core statements, without the ORM's
per-call overhead. A booking runs a dozen statements; through `session.execute` each
cost several times its own run."""
from __future__ import annotations

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

_BY_ID: dict[type, Select] = {}


def by_id(session: Session, model: type, object_id: int):
    """`session.get(model, object_id)` from a statement built once per model: `get` builds
    and keys a new SELECT of every column on each call, which cost more than running it."""
    found = session.identity_map.get(session.identity_key(model, object_id))
    if found is not None:
        return found
    statement = _BY_ID.get(model)
    if statement is None:
        statement = _BY_ID[model] = select(model).where(model.id == bindparam("object_id"))
    return session.execute(statement, {"object_id": object_id}).scalar_one_or_none()


def plain_rows(session: Session, statement, params=None):
    """A Core statement (columns, not objects) run on the session's connection, in its
    transaction: the same rows as `session.execute`, without the ORM's execute path. Pending
    changes are flushed first, as `session.execute` would."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params)
