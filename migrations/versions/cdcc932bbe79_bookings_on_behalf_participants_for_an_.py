"""bookings on behalf, participants, for an organisation

Bookings record who made them (a co-manager books on a member's behalf) and may be made for
the booker's organisation; other members can be named as participants.

Revision ID: cdcc932bbe79
Revises: 8c4e2f1a9b3d
Create Date: 2026-12-02 00:36:14.752568

"""
from alembic import op
import sqlalchemy as sa

import booking.models.types


# revision identifiers, used by Alembic.
revision = 'cdcc932bbe79'
down_revision = "8c4e2f1a9b3d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_participants',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_participants_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_booking_participants_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', 'member_id', name=op.f('pk_booking_participants'))
    )
    with op.batch_alter_table('booking_participants', schema=None) as batch_op:
        batch_op.create_index('ix_booking_participants_member', ['member_id', 'booking_id'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_bookings_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bookings_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_bookings_created_by_id_members'), 'members', ['created_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bookings_created_by_id_members'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_bookings_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bookings_organisation_id'))
        batch_op.drop_column('organisation_id')
        batch_op.drop_column('created_by_id')

    with op.batch_alter_table('booking_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_participants_member')

    op.drop_table('booking_participants')
