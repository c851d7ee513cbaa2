"""Follow-ups by village and time, carrying what the indicators read

A township's indicators read its year of follow-ups. Through (enrollment_id, performed_at)
that was one index descent per enrollment (12,500 at a township of 26,000 residents), each a
level deeper and further out of the cache as the county grows (31 ms at 300,000 residents,
196 ms at 3 million); by village it is a range per village, read in order (8 and 18 ms).
Follow-ups carry their resident's village as the enrollments do (0014).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 14:05:00

"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

REPORT_COLUMNS = ["resident_id", "condition", "mode", "complete", "sbp", "dbp", "fasting_glucose"]


def upgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(
            'ix_followups_village_performed',
            ['village_id', 'performed_at'],
            unique=False,
            postgresql_include=REPORT_COLUMNS,
        )


def downgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_village_performed')
