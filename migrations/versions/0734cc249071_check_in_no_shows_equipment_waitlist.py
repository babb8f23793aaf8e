"""check-in and no-shows, equipment reserved with bookings, the waiting list

Revision ID: 0734cc249071
Revises: cdcc932bbe79
Create Date: 2026-12-02 00:36:56.800330

"""
from alembic import op
import sqlalchemy as sa

import booking.models.types


# revision identifiers, used by Alembic.
revision = '0734cc249071'
down_revision = 'cdcc932bbe79'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('equipment_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('hourly_weight_pct', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hourly_weight_pct >= 0', name=op.f('ck_equipment_items_weight_not_negative')),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_equipment_items_quantity_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_items')),
    sa.UniqueConstraint('name', name=op.f('uq_equipment_items_name'))
    )
    op.create_table('equipment_spaces',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['equipment_items.id'], name=op.f('fk_equipment_spaces_item_id_equipment_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_equipment_spaces_space_id_spaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'space_id', name=op.f('pk_equipment_spaces'))
    )
    op.create_table('booking_equipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_booking_equipment_quantity_positive')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_equipment_booking_id_bookings')),
    sa.ForeignKeyConstraint(['item_id'], ['equipment_items.id'], name=op.f('fk_booking_equipment_item_id_equipment_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_equipment')),
    sa.UniqueConstraint('booking_id', 'item_id', name='uq_booking_equipment_item')
    )
    with op.batch_alter_table('booking_equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_equipment_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_equipment_item_id'), ['item_id'], unique=False)

    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('start_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('auto_book', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('offered_at', booking.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('offer_expires_at', booking.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('created_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('waiting', 'offered', 'booked', 'expired', 'cancelled')", name=op.f('ck_waitlist_entries_status_known')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_waitlist_entries_ends_after_start')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_waitlist_entries_booking_id_bookings')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_waitlist_entries_member_id_members')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_waitlist_entries_space_id_spaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_entries_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_waitlist_entries_space_time', ['space_id', 'start_at', 'end_at'], unique=False)
        batch_op.create_index('ix_waitlist_entries_status_expiry', ['status', 'offer_expires_at'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_in_at', booking.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('no_show_at', booking.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_bookings_no_show_at'), ['no_show_at'], unique=False)

    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('checkin_opens_minutes', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('checkin_grace_minutes', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('checkin_release', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('no_show_cost', sa.String(length=8), server_default='quota', nullable=False))
        batch_op.add_column(sa.Column('no_show_fee_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('waitlist_offer_minutes', sa.Integer(), server_default='120', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_spaces_desk_limits_valid'),
            'checkin_opens_minutes >= 0 AND checkin_grace_minutes > 0 '
            'AND no_show_fee_cents >= 0 AND waitlist_offer_minutes > 0')
        batch_op.create_check_constraint(op.f('ck_spaces_no_show_cost_known'),
                                         "no_show_cost IN ('quota', 'fee')")



def downgrade():
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_spaces_no_show_cost_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_spaces_desk_limits_valid'), type_='check')
        batch_op.drop_column('waitlist_offer_minutes')
        batch_op.drop_column('no_show_fee_cents')
        batch_op.drop_column('no_show_cost')
        batch_op.drop_column('checkin_release')
        batch_op.drop_column('checkin_grace_minutes')
        batch_op.drop_column('checkin_opens_minutes')
        batch_op.drop_column('checkin_required')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_no_show_at'))
        batch_op.drop_column('no_show_at')
        batch_op.drop_column('checked_in_at')

    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_entries_status_expiry')
        batch_op.drop_index('ix_waitlist_entries_space_time')
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_member_id'))

    op.drop_table('waitlist_entries')
    with op.batch_alter_table('booking_equipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_equipment_item_id'))
        batch_op.drop_index(batch_op.f('ix_booking_equipment_booking_id'))

    op.drop_table('booking_equipment')
    op.drop_table('equipment_spaces')
    op.drop_table('equipment_items')
