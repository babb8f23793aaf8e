"""bank: settings of the account, structured communications, statements, lines, CSV mappings

Revision ID: 751f2939c8c3
Revises: 608555ad6f4c
Create Date: 2026-12-01 21:46:49.684912

"""
import sqlalchemy as sa
from alembic import op

import booking.models.types


# revision identifiers, used by Alembic.
revision = '751f2939c8c3'
down_revision = '608555ad6f4c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_csv_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_name', sa.String(length=80), nullable=False),
    sa.Column('delimiter', sa.String(length=1), nullable=False),
    sa.Column('date_column', sa.String(length=80), nullable=False),
    sa.Column('date_format', sa.String(length=20), nullable=False),
    sa.Column('amount_column', sa.String(length=80), nullable=False),
    sa.Column('decimal_comma', sa.Boolean(), nullable=False),
    sa.Column('name_column', sa.String(length=80), nullable=False),
    sa.Column('iban_column', sa.String(length=80), nullable=False),
    sa.Column('communication_column', sa.String(length=80), nullable=False),
    sa.Column('reference_column', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_csv_mappings')),
    sa.UniqueConstraint('bank_name', name=op.f('uq_bank_csv_mappings_bank_name'))
    )
    op.create_table('account_communications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('digits', sa.String(length=12), nullable=False),
    sa.Column('created_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(member_id IS NULL) <> (organisation_id IS NULL)', name=op.f('ck_account_communications_one_account')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_account_communications_member_id_members')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_account_communications_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_communications')),
    sa.UniqueConstraint('digits', name=op.f('uq_account_communications_digits')),
    sa.UniqueConstraint('member_id', name=op.f('uq_account_communications_member_id')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_account_communications_organisation_id'))
    )
    op.create_table('bank_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('reference', sa.String(length=140), nullable=False),
    sa.Column('account_iban', sa.String(length=34), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=True),
    sa.Column('to_date', sa.Date(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("format IN ('camt053', 'csv')", name=op.f('ck_bank_statements_format_known')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['members.id'], name=op.f('fk_bank_statements_imported_by_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statements'))
    )
    op.create_table('bank_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('bank_reference', sa.String(length=140), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('counterparty_name', sa.String(length=140), nullable=False),
    sa.Column('counterparty_iban', sa.String(length=34), nullable=False),
    sa.Column('communication', sa.Text(), nullable=False),
    sa.Column('structured', sa.String(length=12), nullable=True),
    sa.Column('reversal', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('matched_by', sa.String(length=16), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('proposed_member_id', sa.Integer(), nullable=True),
    sa.Column('proposed_organisation_id', sa.Integer(), nullable=True),
    sa.Column('expense_id', sa.Integer(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', booking.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('matched', 'queued', 'debit', 'ignored', 'expense', 'returned')", name=op.f('ck_bank_lines_status_known')),
    sa.CheckConstraint('NOT (member_id IS NOT NULL AND organisation_id IS NOT NULL)', name=op.f('ck_bank_lines_at_most_one_account')),
    sa.CheckConstraint('amount_cents <> 0', name=op.f('ck_bank_lines_amount_not_zero')),
    sa.ForeignKeyConstraint(['expense_id'], ['expenses.id'], name=op.f('fk_bank_lines_expense_id_expenses')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['members.id'], name=op.f('fk_bank_lines_handled_by_id_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_bank_lines_member_id_members')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_bank_lines_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['proposed_member_id'], ['members.id'], name=op.f('fk_bank_lines_proposed_member_id_members')),
    sa.ForeignKeyConstraint(['proposed_organisation_id'], ['organisations.id'], name=op.f('fk_bank_lines_proposed_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statements.id'], name=op.f('fk_bank_lines_statement_id_bank_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_lines')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_bank_lines_dedup_key'))
    )
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_lines_bank_reference'), ['bank_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_counterparty_iban'), ['counterparty_iban'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_status'), ['status'], unique=False)

    op.create_table('bank_line_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['bank_lines.id'], name=op.f('fk_bank_line_payments_line_id_bank_lines')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_bank_line_payments_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_line_payments')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_bank_line_payments_payment_id'))
    )
    with op.batch_alter_table('bank_line_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_line_payments_line_id'), ['line_id'], unique=False)

    with op.batch_alter_table('settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_account_holder', sa.String(length=70), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('bank_iban', sa.String(length=34), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('bank_bic', sa.String(length=11), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('settings', schema=None) as batch_op:
        batch_op.drop_column('bank_bic')
        batch_op.drop_column('bank_iban')
        batch_op.drop_column('bank_account_holder')

    with op.batch_alter_table('bank_line_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_line_payments_line_id'))

    op.drop_table('bank_line_payments')
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_lines_status'))
        batch_op.drop_index(batch_op.f('ix_bank_lines_statement_id'))
        batch_op.drop_index(batch_op.f('ix_bank_lines_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_bank_lines_member_id'))
        batch_op.drop_index(batch_op.f('ix_bank_lines_counterparty_iban'))
        batch_op.drop_index(batch_op.f('ix_bank_lines_bank_reference'))

    op.drop_table('bank_lines')
    op.drop_table('bank_statements')
    op.drop_table('account_communications')
    op.drop_table('bank_csv_mappings')
