"""A booking's blocked range lasts at most 15 days (14 of booking, one of buffer), checked by
the database, so time-range lookups can bound the index from both sides

Revision ID: 5f0c3a9e7d21
Revises: b7e2c4d91f30
Create Date: 2026-12-02 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f0c3a9e7d21'
down_revision = 'b7e2c4d91f30'
branch_labels = None
depends_on = None

POSTGRESQL = "blocked_until <= start_at + interval '15 days'"
SQLITE = "julianday(blocked_until) - julianday(start_at) <= 15"


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    too_long = bind.execute(sa.text(
        f"SELECT count(*) FROM bookings WHERE NOT ({SQLITE if sqlite else POSTGRESQL})"
    )).scalar_one()
    if too_long:
        raise RuntimeError(
            f"{too_long} bookings hold their space for more than 15 days (booking and buffer): "
            "shorten or cancel them (no space allows more than 14 days and a day of buffer), "
            "then run the upgrade again.")
    if not sqlite:
        op.create_check_constraint(op.f('ck_bookings_block_within_longest'), 'bookings',
                                   POSTGRESQL)
        return
    # SQLite adds a CHECK only by rebuilding the table, which the rows that name bookings
    # (participants, equipment, notifications) forbid: triggers refuse the same rows.
    for action in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER bookings_block_within_longest_{action.lower()} BEFORE {action} "
            "ON bookings WHEN julianday(NEW.blocked_until) - julianday(NEW.start_at) > 15 "
            "BEGIN SELECT RAISE(ABORT, 'ck_bookings_block_within_longest: a booking and its "
            "buffer last at most 15 days'); END")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS bookings_block_within_longest_insert")
        op.execute("DROP TRIGGER IF EXISTS bookings_block_within_longest_update")
    else:
        op.drop_constraint(op.f('ck_bookings_block_within_longest'), 'bookings', type_='check')
