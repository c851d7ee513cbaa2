"""the national record: division codes, record numbers

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 17:30:00

Existing townships and villages get division codes in the order of their codes, and
existing residents record numbers in the order they were created, village by village;
each village's counter starts after its last serial. The county code is read from
FIELDAPP_COUNTY_CODE as the application would.
"""

import os
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def _number_existing(connection: sa.engine.Connection) -> None:
    county = os.environ.get("FIELDAPP_COUNTY_CODE", "000000").strip() or "000000"
    townships = connection.execute(sa.text("SELECT id FROM townships ORDER BY code")).scalars().all()
    township_codes = {}
    for n, township_id in enumerate(townships, start=1):
        township_codes[township_id] = f"{n:03d}"
        connection.execute(
            sa.text("UPDATE townships SET division_code = :code WHERE id = :id"),
            {"code": f"{n:03d}", "id": township_id},
        )
    villages = connection.execute(sa.text("SELECT id, township_id FROM villages ORDER BY code")).all()
    taken: dict[object, int] = defaultdict(int)
    prefixes = {}
    for village_id, township_id in villages:
        taken[township_id] += 1
        code = f"{taken[township_id]:03d}"
        prefixes[village_id] = f"{county}{township_codes[township_id]}{code}"
        connection.execute(
            sa.text("UPDATE villages SET division_code = :code WHERE id = :id"), {"code": code, "id": village_id}
        )
    residents = connection.execute(
        sa.text("SELECT id, village_id FROM residents ORDER BY created_at, id")
    ).all()
    serials: dict[str, int] = defaultdict(int)
    for resident_id, village_id in residents:
        prefix = prefixes[village_id]
        serials[prefix] += 1
        connection.execute(
            sa.text("UPDATE residents SET record_number = :number WHERE id = :id"),
            {"number": f"{prefix}{serials[prefix]:05d}", "id": resident_id},
        )
    for prefix, serial in serials.items():
        connection.execute(
            sa.text("INSERT INTO counters (name, value) VALUES (:name, :value)"),
            {"name": f"record_number:{prefix}", "value": serial},
        )


def upgrade():
    with op.batch_alter_table("townships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("division_code", sa.String(length=3), nullable=True))
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("division_code", sa.String(length=3), nullable=True))
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_number", sa.String(length=17), nullable=True))

    _number_existing(op.get_bind())

    with op.batch_alter_table("townships", schema=None) as batch_op:
        batch_op.alter_column("division_code", existing_type=sa.String(length=3), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_townships_division_code"), ["division_code"])
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.alter_column("division_code", existing_type=sa.String(length=3), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_villages_township_id_division_code"), ["township_id", "division_code"]
        )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.alter_column("record_number", existing_type=sa.String(length=17), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_residents_record_number"), ["record_number"])


def downgrade():
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_residents_record_number"), type_="unique")
        batch_op.drop_column("record_number")
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_villages_township_id_division_code"), type_="unique")
        batch_op.drop_column("division_code")
    with op.batch_alter_table("townships", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_townships_division_code"), type_="unique")
        batch_op.drop_column("division_code")
    op.execute("DELETE FROM counters WHERE name LIKE 'record_number:%'")
