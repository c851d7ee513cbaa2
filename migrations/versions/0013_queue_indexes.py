"""Covering indexes for the township queues

The follow-up queues' partial index by village and due date carries the enrollment's id,
resident and condition (a township's page and total read no enrollment rows), and the
residents' (village_id, name) index carries the id (the health-check queue's names by
village, hashed, instead of a primary-key probe for each waiting resident). PostgreSQL only;
SQLite's indexes stay as they were.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:00:00

"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ACTIVE = "status = 'active'"


def _where(predicate):
    from sqlalchemy import text

    return {"sqlite_where": text(predicate), "postgresql_where": text(predicate)}


def upgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_queue', **_where(ACTIVE))
        batch_op.create_index(
            'ix_enrollments_queue',
            ['village_id', 'next_due_on'],
            unique=False,
            postgresql_include=['id', 'resident_id', 'condition'],
            **_where(ACTIVE),
        )
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('ix_residents_village_name')
        batch_op.create_index(
            'ix_residents_village_name', ['village_id', 'name'], unique=False, postgresql_include=['id']
        )


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('ix_residents_village_name')
        batch_op.create_index('ix_residents_village_name', ['village_id', 'name'], unique=False)
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_queue', **_where(ACTIVE))
        batch_op.create_index('ix_enrollments_queue', ['village_id', 'next_due_on'], unique=False, **_where(ACTIVE))
