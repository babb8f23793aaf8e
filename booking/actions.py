"""One user action, one transaction: the try / commit / rollback / flash block, written once."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from flask import abort, flash

from .domain.errors import DomainError
from .extensions import db


@dataclass
class Outcome:
    """Whether the action was committed; true in an `if` when it was."""

    done: bool = False
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.done


@contextmanager
def user_action(success: str | None = None, error_field=None) -> Iterator[Outcome]:
    """Run the block as one transaction.

    On success: commit and flash `success`. On a domain error: roll back (nothing changes),
    and show the error's translated message on `error_field` (a form field) or as a flash.
    Other exceptions roll back and propagate.
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        outcome.error = error
        if error_field is not None:
            error_field.errors = [*error_field.errors, str(error)]
        else:
            flash(str(error), "error")
        return
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    outcome.done = True
    if success:
        flash(success, "success")


Found = TypeVar("Found")


def found_or_abort(lookup: Callable[[], Found | None], denied: type[DomainError]) -> Found:
    """What a domain lookup found for the signed-in person: 404 when there is nothing, 403
    when it raises `denied` (it exists but is someone else's)."""
    try:
        found = lookup()
    except denied:
        abort(403)
    if found is None:
        abort(404)
    return found
