"""Indexes for the indicators and queues at county and prefecture scale

The indicators read a township's (or the county's) year of follow-ups from the date
indexes alone (the report's columns ride along on PostgreSQL), residents aged 35+ by
village, screenings' residents by village, and outcomes by screening (a township's
enrollments by village come from 0010's (village_id, change_seq, id)); the screening queue
reads a township's open screenings by village and ``confirm_by``.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 20:25:00

"""
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

REPORT_COLUMNS = ["resident_id", "condition", "mode", "complete", "sbp", "dbp", "fasting_glucose"]
OPEN = "status = 'open'"


def _where(predicate):
    from sqlalchemy import text

    return {"sqlite_where": text(predicate), "postgresql_where": text(predicate)}


def upgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_enrollment_performed')
        batch_op.drop_index('ix_followups_performed_at')
        batch_op.create_index(
            'ix_followups_enrollment_performed',
            ['enrollment_id', 'performed_at'],
            unique=False,
            postgresql_include=REPORT_COLUMNS,
        )
        batch_op.create_index(
            'ix_followups_performed_at', ['performed_at'], unique=False, postgresql_include=REPORT_COLUMNS
        )
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_index(
            'ix_residents_village_birth', ['village_id', 'birth_date'], unique=False, postgresql_include=['id']
        )
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_village_performed')
        batch_op.create_index(
            'ix_screenings_village_performed',
            ['village_id', 'performed_at'],
            unique=False,
            postgresql_include=['resident_id'],
        )
        batch_op.create_index(
            'ix_screenings_open_village', ['village_id', 'confirm_by'], unique=False, **_where(OPEN)
        )
    with op.batch_alter_table('screening_outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_screening_outcomes_screening', ['screening_id'], unique=False)


def downgrade():
    with op.batch_alter_table('screening_outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_outcomes_screening')
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_open_village', **_where(OPEN))
        batch_op.drop_index('ix_screenings_village_performed')
        batch_op.create_index('ix_screenings_village_performed', ['village_id', 'performed_at'], unique=False)
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('ix_residents_village_birth')
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_performed_at')
        batch_op.drop_index('ix_followups_enrollment_performed')
        batch_op.create_index('ix_followups_performed_at', ['performed_at'], unique=False)
        batch_op.create_index(
            'ix_followups_enrollment_performed', ['enrollment_id', 'performed_at'], unique=False
        )
