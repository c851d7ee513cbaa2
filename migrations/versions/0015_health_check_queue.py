"""Health checks by village and date

The health-check queue reads who in an area was checked this year once, from the checks' own
village (migration 0014), hashed, instead of probing each active enrollment's resident: an
index on (village_id, performed_on) carrying the resident (PostgreSQL; SQLite without it).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:40:00

"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('health_checks', schema=None) as batch_op:
        batch_op.create_index(
            'ix_health_checks_village_performed',
            ['village_id', 'performed_on'],
            unique=False,
            postgresql_include=['resident_id'],
        )


def downgrade():
    with op.batch_alter_table('health_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_health_checks_village_performed')
