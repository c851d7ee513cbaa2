"""Indexes on the foreign keys that removals check

Deleting a resident, an enrollment or a follow-up makes PostgreSQL check every row that
refers to it; screening outcomes (by resident and by enrollment) and referrals (by
follow-up) had no index on those keys, so each removed row read the whole table.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 03:10:00

"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('screening_outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_screening_outcomes_resident_id', ['resident_id'], unique=False)
        batch_op.create_index('ix_screening_outcomes_enrollment_id', ['enrollment_id'], unique=False)
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_followup_id', ['followup_id'], unique=False)


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_followup_id')
    with op.batch_alter_table('screening_outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_outcomes_enrollment_id')
        batch_op.drop_index('ix_screening_outcomes_resident_id')
