"""security: session versions, sign-in failure counters, audit of bulk reads

Revision ID: 0002
Revises: 0006
Create Date: 2026-12-01 17:30:00

"""
from alembic import op
import sqlalchemy as sa

import fieldapp.dbtypes


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))

    op.create_table('sign_in_failures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', fieldapp.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failures_account_address_at', ['account', 'address', 'at'], unique=False)
        batch_op.create_index('ix_sign_in_failures_address_at', ['address', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failures_at'), ['at'], unique=False)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('entity_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column('filters', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('row_count', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('row_count')
        batch_op.drop_column('filters')
    op.execute("DELETE FROM audit_log WHERE entity_id IS NULL")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('entity_id', existing_type=sa.Uuid(), nullable=False)

    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_at'))
        batch_op.drop_index('ix_sign_in_failures_address_at')
        batch_op.drop_index('ix_sign_in_failures_account_address_at')
    op.drop_table('sign_in_failures')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
