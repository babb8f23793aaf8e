"""closures cancelled (kept for the feeds) and the calendar they were imported from

A removed closure keeps its row with cancelled_at set, so calendar feeds show it as
STATUS:CANCELLED before it disappears; source_calendar names the imported calendar
(X-WR-CALNAME), so a re-import removes only that calendar's vanished events.

Revision ID: c3d8e1f04a6b
Revises: 7ea193b42723
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa

import booking.models.types


# revision identifiers, used by Alembic.
revision = 'c3d8e1f04a6b'
down_revision = '7ea193b42723'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_calendar', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', booking.models.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    # Cancelled closures were kept only for the feeds; before this revision they were deleted.
    op.execute("DELETE FROM closures WHERE cancelled_at IS NOT NULL")
    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('source_calendar')
