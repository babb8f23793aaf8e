"""session version, pending email, organisation join requests

The session version ends every session of a member when raised (logout, password change,
deactivation); pending_email waits for its confirmation link; a join request waits for a
co-manager.

Revision ID: 7cfd861d028f
Revises: 7ba06995099c
Create Date: 2026-12-01 21:41:37.873782

"""
from alembic import op
import sqlalchemy as sa

import booking.models.types


# revision identifiers, used by Alembic.
revision = '7cfd861d028f'
down_revision = '7ba06995099c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_organisation_join_requests_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_join_requests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_join_requests')),
    sa.UniqueConstraint('member_id', name=op.f('uq_organisation_join_requests_member_id'))
    )
    with op.batch_alter_table('organisation_join_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_join_requests_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))



def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('pending_email')
        batch_op.drop_column('session_version')

    with op.batch_alter_table('organisation_join_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_join_requests_organisation_id'))

    op.drop_table('organisation_join_requests')
