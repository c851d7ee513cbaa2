"""the national record: division codes, record numbers, the follow-up form

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

    _followup_record_up()


def _followup_record_up():
    op.create_table(
        "followup_medications",
        sa.Column("followup_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("times_per_day", sa.Integer(), nullable=True),
        sa.Column("dose", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["followup_id"], ["followups.id"], name=op.f("fk_followup_medications_followup_id_followups")
        ),
        sa.PrimaryKeyConstraint("followup_id", "position", name=op.f("pk_followup_medications")),
    )
    false, true = sa.text("false"), sa.text("true")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.alter_column("sbp", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("dbp", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("worsened_complication", sa.Boolean(), nullable=False, server_default=false))
        batch_op.add_column(sa.Column("record", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("medications_recorded", sa.Boolean(), nullable=False, server_default=false))
        batch_op.add_column(sa.Column("measured", sa.Boolean(), nullable=False, server_default=true))
        batch_op.add_column(sa.Column("late", sa.Boolean(), nullable=False, server_default=false))
        batch_op.add_column(sa.Column("complete", sa.Boolean(), nullable=False, server_default=false))
        batch_op.add_column(sa.Column("missing_items", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("bmi", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lng", sa.Float(), nullable=True))
    # First-edition follow-ups: phone ones were not measurements; every one lacks most of the form.
    op.execute("UPDATE followups SET measured = false WHERE mode = 'phone'")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        for name in ("worsened_complication", "record", "medications_recorded", "measured", "late", "complete",
                     "missing_items"):
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("death_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("death_cause", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("close_note", sa.Text(), nullable=True))


def _followup_record_down():
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("close_note")
        batch_op.drop_column("death_cause")
        batch_op.drop_column("death_on")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        for name in ("lng", "lat", "bmi", "missing_items", "complete", "late", "measured", "medications_recorded",
                     "record", "worsened_complication"):
            batch_op.drop_column(name)
    op.drop_table("followup_medications")


def downgrade():
    _followup_record_down()
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
