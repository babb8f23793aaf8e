"""Waiting-list entries taken off by a co-manager say so ("removed"), apart from those the
member left ("cancelled")

Revision ID: 9d3b6f1e2a47
Revises: 5f0c3a9e7d21
Create Date: 2026-12-02 14:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d3b6f1e2a47'
down_revision = '5f0c3a9e7d21'
branch_labels = None
depends_on = None

OLD = "status IN ('waiting', 'offered', 'booked', 'expired', 'cancelled')"
NEW = "status IN ('waiting', 'offered', 'booked', 'expired', 'cancelled', 'removed')"


def _status_check(condition: str) -> None:
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_waitlist_entries_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_waitlist_entries_status_known'), condition)


def upgrade():
    _status_check(NEW)


def downgrade():
    # Earlier code knows no "removed": those entries become what it showed for them.
    op.execute("UPDATE waitlist_entries SET status = 'cancelled' WHERE status = 'removed'")
    _status_check(OLD)
