"""security (data): feed tokens hashed, survey participations unlinkable, ledger refuses TRUNCATE

Revision ID: d41c7e9a2b10
Revises: 751f2939c8c3
Create Date: 2026-03-02 09:00:00

- members.feed_token now holds the SHA-256 of the token: existing tokens are hashed here, so
  every feed URL already subscribed to keeps working.
- survey_participations: random UUID ids instead of a counter, no answered_at, rows rewritten
  in a random order (so neither ids nor storage order follow the order people answered in).
- PostgreSQL: the append-only trigger of ledger_entries also refuses TRUNCATE.
"""
import hashlib
import random
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = 'd41c7e9a2b10'
down_revision = '751f2939c8c3'
branch_labels = None
depends_on = None

members = sa.table("members", sa.column("id", sa.Integer), sa.column("feed_token", sa.String))


def _participations_table(id_type, with_time: bool) -> list:
    columns = [
        sa.Column('id', id_type, nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('browser_token_hash', sa.String(length=64), nullable=True),
    ]
    if with_time:
        columns.append(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False))
    constraints = [
        sa.CheckConstraint('(member_id IS NULL) <> (browser_token_hash IS NULL)',
                           name=op.f('ck_survey_participations_member_or_browser')),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_survey_participations_member_id_members')),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                                name=op.f('fk_survey_participations_survey_id_surveys'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_participations')),
        sa.UniqueConstraint('survey_id', 'browser_token_hash',
                            name='uq_survey_participations_browser'),
        sa.UniqueConstraint('survey_id', 'member_id', name='uq_survey_participations_member'),
    ]
    if not with_time:
        constraints.append(sa.CheckConstraint(
            'length(id) = 36', name=op.f('ck_survey_participations_random_uuid_id')))
    return columns + constraints


def _rebuild_participations(id_type, with_time: bool, new_id) -> None:
    """Read the rows, drop the table, create it anew, write the rows back shuffled."""
    bind = op.get_bind()
    rows = [dict(row._mapping) for row in bind.execute(sa.text(
        "SELECT survey_id, member_id, browser_token_hash FROM survey_participations"))]
    op.drop_table('survey_participations')
    table = op.create_table('survey_participations', *_participations_table(id_type, with_time))
    with op.batch_alter_table('survey_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_participations_member_id'), ['member_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_survey_participations_survey_id'), ['survey_id'],
                              unique=False)
    random.SystemRandom().shuffle(rows)
    for number, row in enumerate(rows, start=1):
        row["id"] = new_id(number)
        if with_time:
            row["answered_at"] = datetime.now(UTC)
    if rows:
        bind.execute(table.insert(), rows)


def upgrade():
    bind = op.get_bind()
    for member_id, token in bind.execute(sa.select(members.c.id, members.c.feed_token)
                                         .where(members.c.feed_token.is_not(None))).all():
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        bind.execute(members.update().where(members.c.id == member_id)
                     .values(feed_token=digest))

    _rebuild_participations(sa.String(length=36), False, lambda _n: str(uuid.uuid4()))

    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_no_truncate ON ledger_entries")
    _rebuild_participations(sa.Integer(), True, lambda number: number)
    # A hash cannot be turned back into a token: members make a new calendar address.
    bind.execute(members.update().values(feed_token=None))
