"""Counts per resident and year (follow-ups, the screened), kept by PostgreSQL triggers

The county's indicators aggregated the county's year of follow-ups and joined its residents
to its screened at every request (15 s at 3 million residents). ``followup_years`` and
``screening_years`` keep what that work produced as records are written
(fieldapp.reports.counts): created here on every database, filled and kept by triggers on
PostgreSQL (SQLite's reports read the records). The triggers' SQL comes from
the application's own report definition, so this migration builds it as of the code that
runs it; a later change of that definition is taken up by ``flask report-counts``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 10:50:00

"""
import sqlalchemy as sa
from alembic import op

from fieldapp.dbtypes import UTCDateTime

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'followup_years',
        sa.Column('resident_id', sa.Uuid(), nullable=False),
        sa.Column('condition', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('face_to_face', sa.Integer(), nullable=False),
        sa.Column('measured_at', UTCDateTime(), nullable=True),
        sa.Column('latest_at', UTCDateTime(), nullable=False),
        sa.Column('complete_at', UTCDateTime(), nullable=True),
        sa.Column('young_at', UTCDateTime(), nullable=True),
        sa.Column('elderly_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('resident_id', 'condition', 'year'),
    )
    op.create_table(
        'screening_years',
        sa.Column('resident_id', sa.Uuid(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Uuid(), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=False),
        sa.Column('suspected', sa.Boolean(), nullable=False),
        sa.Column('confirmed', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('resident_id', 'year'),
    )
    from fieldapp.reports import counts

    counts.install(op.get_bind())


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        from fieldapp.reports import counts

        counts.uninstall(bind)
    op.drop_table('screening_years')
    op.drop_table('followup_years')
