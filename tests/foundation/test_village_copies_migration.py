"""Migration 0014: follow-ups, health checks and contact attempts take their resident's village."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Uuid, select

from fieldapp.extensions import db
from fieldapp.timeutil import utcnow
from tests.foundation.old_rows import old_table, write_old_row, write_township

CARRIERS = ("followups", "health_checks", "contact_attempts")


def test_existing_records_take_the_village_their_resident_lives_in(
    make_app: Callable[..., Flask], fresh_database_url: str, logging_kept: None
) -> None:
    fresh = make_app(SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with fresh.app_context():
        upgrade(revision="0013")
        east, west = uuid.uuid4(), uuid.uuid4()
        residents = {uuid.uuid4(): east, uuid.uuid4(): west}
        with db.engine.begin() as conn:
            write_township(conn, uuid.uuid4(), {east: "东村", west: "西村"})
            for n, (resident, village) in enumerate(residents.items(), start=1):
                write_old_row(
                    conn,
                    "residents",
                    id=resident,
                    name="张伟",
                    sex="M",
                    birth_date=date(1960, 5, 1),
                    village_id=village,
                    record_number=f"36010200100{n:06d}",
                    sms_consent=False,
                    opted_out=False,
                    phone_invalid=False,
                    language="zh",
                    change_seq=1,
                )
                enrollment = uuid.uuid4()
                write_old_row(
                    conn,
                    "enrollments",
                    id=enrollment,
                    resident_id=resident,
                    village_id=village,
                    condition="hypertension",
                    status="active",
                    enrolled_on=date(2026, 1, 1),
                    change_seq=1,
                )
                no = dict.fromkeys(
                    ("adverse_reaction", "new_complication", "worsened_complication", "late", "complete"),
                    False,
                )
                write_old_row(
                    conn,
                    "followups",
                    id=uuid.uuid4(),
                    enrollment_id=enrollment,
                    resident_id=resident,
                    condition="hypertension",
                    performed_at=utcnow(),
                    mode="clinic",
                    danger_signs=[],
                    record={},
                    missing_items=[],
                    medications_recorded=False,
                    measured=True,
                    classification="controlled",
                    urgent_referral=False,
                    referral_recommended=False,
                    next_due_on=date(2026, 4, 1),
                    change_seq=1,
                    **no,
                )
                write_old_row(
                    conn,
                    "health_checks",
                    id=uuid.uuid4(),
                    resident_id=resident,
                    performed_on=date(2026, 3, 1),
                    items={},
                    change_seq=1,
                )
                write_old_row(
                    conn,
                    "contact_attempts",
                    id=uuid.uuid4(),
                    resident_id=resident,
                    at=utcnow(),
                    channel="phone",
                    result="unreachable",
                    change_seq=1,
                )
        upgrade()
        with db.engine.connect() as conn:
            carried = {
                name: set(
                    conn.execute(
                        select(
                            old_table(name, resident_id=Uuid, village_id=Uuid).c["resident_id", "village_id"]
                        )
                    ).all()
                )
                for name in CARRIERS
            }
    assert carried == {name: set(residents.items()) for name in CARRIERS}
