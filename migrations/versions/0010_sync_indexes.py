"""sync: each village's residents and enrollments in the change stream's order (a pull's first page)

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-01 20:30:00

"""
from alembic import op


revision = '0010'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_residents_village_change', 'residents', ['village_id', 'change_seq', 'id'], unique=False)
    op.create_index('ix_enrollments_village_change', 'enrollments', ['village_id', 'change_seq', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_enrollments_village_change', table_name='enrollments')
    op.drop_index('ix_residents_village_change', table_name='residents')
