"""CSV mappings with a debit and a credit column instead of one signed amount (ING, Belfius)

Revision ID: b7e2c4d91f30
Revises: 0734cc249071
Create Date: 2026-12-02 09:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c4d91f30'
down_revision = '0734cc249071'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bank_csv_mappings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('debit_column', sa.String(length=80), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('credit_column', sa.String(length=80), server_default='',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('bank_csv_mappings', schema=None) as batch_op:
        batch_op.drop_column('credit_column')
        batch_op.drop_column('debit_column')
