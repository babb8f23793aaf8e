"""Serializing the writers of one thing (a space's bookings, a survey's answers, a proposal's
votes), on both databases."""
from __future__ import annotations

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from .rows import plain_rows


def lock_row(session: Session, column, value) -> None:
    """Hold the row where `column == value` until the transaction ends.

    PostgreSQL: a row lock (SELECT ... FOR UPDATE). SQLite has no row locks: BEGIN IMMEDIATE
    takes the database's write lock before we read, so other writers wait for our commit and
    then see what we wrote."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        key = str(column)  # "Space.id"
        statement = _FOR_UPDATE.get(key)
        if statement is None:  # built once per column: building it cost a fifth of the lock
            statement = _FOR_UPDATE[key] = (select(column).where(column == bindparam("value"))
                                            .with_for_update())
        plain_rows(session, statement, {"value": value})


_FOR_UPDATE: dict[str, Select] = {}
