"""Serializing the writers of one thing (a space's bookings, a survey's answers, a proposal's
votes), on both databases."""
from __future__ import annotations

from sqlalchemy import select
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
        plain_rows(session, select(column).where(column == value).with_for_update())
