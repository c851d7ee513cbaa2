"""patrols in the sync pull: a change_seq on patrols

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-01 20:30:00

Existing patrols take one new value of the sync counter, so phones pull them on their
next sync whatever cursor they hold (a cursor saved before this migration stays valid).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_patrols_change_seq'), ['change_seq'], unique=False)
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM patrols")).scalar():
        counters = sa.table('counters', sa.column('name', sa.String), sa.column('value', sa.BigInteger))
        if connection.execute(sa.select(counters.c.value).where(counters.c.name == 'sync')).scalar() is None:
            connection.execute(sa.insert(counters).values(name='sync', value=0))
        connection.execute(
            sa.update(counters).where(counters.c.name == 'sync').values(value=counters.c.value + 1)
        )
        seq = connection.execute(sa.select(counters.c.value).where(counters.c.name == 'sync')).scalar_one()
        connection.execute(sa.text("UPDATE patrols SET change_seq = :seq"), {"seq": seq})


def downgrade():
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrols_change_seq'))
        batch_op.drop_column('change_seq')
