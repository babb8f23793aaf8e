"""feed tokens and closure sequence

Members get a secret calendar-feed token (unique, so its lookup is indexed); closures get a
sequence, bumped on every change, for the SEQUENCE of their calendar events.

Revision ID: a6f2c880eab2
Revises: 0628e27440fe
Create Date: 2026-11-24 23:29:10.789683

"""
from alembic import op
import sqlalchemy as sa

import booking.models.types


# revision identifiers, used by Alembic.
revision = 'a6f2c880eab2'
down_revision = '0628e27440fe'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_members_feed_token'), ['feed_token'])


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_members_feed_token'), type_='unique')
        batch_op.drop_column('feed_token')

    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.drop_column('sequence')
