"""patrols: stationed service (kind, until), status, cancellation, revision

Revision ID: 0006
Revises: 0001
Create Date: 2026-12-01 17:20:00

"""
from alembic import op
import sqlalchemy as sa

import fieldapp.dbtypes


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='patrol'))
        batch_op.add_column(sa.Column('until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='planned'))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', fieldapp.dbtypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
        batch_op.alter_column('status', server_default=None)
        batch_op.alter_column('revision', server_default=None)


def downgrade():
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.drop_column('revision')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('status')
        batch_op.drop_column('until')
        batch_op.drop_column('kind')
