"""imports: import runs, and the residents and follow-ups they brought in

Revision ID: 0007
Revises: 0008
Create Date: 2026-12-01 17:20:00

"""
from alembic import op
import sqlalchemy as sa

import fieldapp.dbtypes


revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('imports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('rejected', sa.JSON(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('finished_at', fieldapp.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', fieldapp.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', fieldapp.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_imports_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports'))
    )
    op.create_table('imported_residents',
    sa.Column('resident_id', sa.Uuid(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_imported_residents_import_id_imports')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_imported_residents_resident_id_residents')),
    sa.PrimaryKeyConstraint('resident_id', name=op.f('pk_imported_residents'))
    )
    op.create_index(op.f('ix_imported_residents_import_id'), 'imported_residents', ['import_id'], unique=False)
    op.create_table('imported_followups',
    sa.Column('followup_id', sa.Uuid(), nullable=False),
    sa.Column('enrollment_id', sa.Uuid(), nullable=False),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_imported_followups_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['followup_id'], ['followups.id'], name=op.f('fk_imported_followups_followup_id_followups')),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_imported_followups_import_id_imports')),
    sa.PrimaryKeyConstraint('followup_id', name=op.f('pk_imported_followups')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_imported_followups_enrollment_id'))
    )
    op.create_index(op.f('ix_imported_followups_import_id'), 'imported_followups', ['import_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_imported_followups_import_id'), table_name='imported_followups')
    op.drop_table('imported_followups')
    op.drop_index(op.f('ix_imported_residents_import_id'), table_name='imported_residents')
    op.drop_table('imported_residents')
    op.drop_table('imports')
