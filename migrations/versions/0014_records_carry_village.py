"""A resident's follow-ups, health checks and contact attempts carry the resident's village

As enrollments, screenings and contracts do already: a township's sync pull then reads every
resident-bound feed village by village, from an index on (village_id, change_seq, id), with no
join to residents (a cost that grew with the county). The new columns are filled from the
residents, one UPDATE a table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

NEW_COLUMNS = ('followups', 'health_checks', 'contact_attempts')
INDEXED = ('followups', 'screenings', 'health_checks', 'contracts', 'contact_attempts')


def upgrade():
    for table in INDEXED:
        if table in NEW_COLUMNS:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(sa.Column('village_id', sa.Uuid(), nullable=True))
            # UPDATE ... FROM: PostgreSQL, and SQLite since 3.33.
            op.execute(
                f"UPDATE {table} SET village_id = residents.village_id "
                f"FROM residents WHERE residents.id = {table}.resident_id"
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in NEW_COLUMNS:
                batch_op.alter_column('village_id', existing_type=sa.Uuid(), nullable=False)
                batch_op.create_foreign_key(f'fk_{table}_village_id_villages', 'villages', ['village_id'], ['id'])
            batch_op.create_index(f'ix_{table}_village_change', ['village_id', 'change_seq', 'id'], unique=False)


def downgrade():
    for table in reversed(INDEXED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_village_change')
            if table in NEW_COLUMNS:
                batch_op.drop_constraint(f'fk_{table}_village_id_villages', type_='foreignkey')
                batch_op.drop_column('village_id')
