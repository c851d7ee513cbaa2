"""Migration 0014: follow-ups, health checks and contact attempts take their resident's village."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import JSON, BigInteger, Boolean, Date, String, Uuid, column, insert, select, table
from sqlalchemy.sql.expression import TableClause

from fieldapp.dbtypes import UTCDateTime
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow


def _table(table_name: str, /, **types: Any) -> TableClause:
    """The columns a row is written with, as of migration 0013 (the models have moved on)."""
    stamps = [column("created_at", UTCDateTime()), column("updated_at", UTCDateTime())]
    return table(table_name, *[column(key, kind()) for key, kind in types.items()], *stamps)


def test_existing_records_take_the_village_their_resident_lives_in(
    make_app: Callable[..., Flask], fresh_database_url: str, logging_kept: None
) -> None:
    fresh = make_app(SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with fresh.app_context():
        upgrade(revision="0013")
        township, east, west = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        stamped = {"created_at": utcnow(), "updated_at": utcnow()}
        synced = {"change_seq": 1, **stamped}
        residents = {uuid.uuid4(): east, uuid.uuid4(): west}
        with db.engine.begin() as conn:
            townships = _table("townships", id=Uuid, code=String, name=String, division_code=String)
            conn.execute(
                insert(townships).values(
                    id=township, code="T1", name="青山镇", division_code="001", **stamped
                )
            )
            villages = _table(
                "villages", id=Uuid, code=String, name=String, township_id=Uuid, division_code=String
            )
            for n, (village, name) in enumerate(((east, "东村"), (west, "西村")), start=1):
                conn.execute(
                    insert(villages).values(
                        id=village,
                        code=f"V{n}",
                        name=name,
                        township_id=township,
                        division_code=f"00{n}",
                        **stamped,
                    )
                )
            people = _table(
                "residents",
                id=Uuid,
                name=String,
                sex=String,
                birth_date=Date,
                village_id=Uuid,
                record_number=String,
                sms_consent=Boolean,
                opted_out=Boolean,
                phone_invalid=Boolean,
                language=String,
                change_seq=BigInteger,
            )
            enrollments = _table(
                "enrollments",
                id=Uuid,
                resident_id=Uuid,
                village_id=Uuid,
                condition=String,
                status=String,
                enrolled_on=Date,
                change_seq=BigInteger,
            )
            followups = _table(
                "followups",
                id=Uuid,
                enrollment_id=Uuid,
                resident_id=Uuid,
                condition=String,
                performed_at=UTCDateTime,
                mode=String,
                danger_signs=JSON,
                adverse_reaction=Boolean,
                new_complication=Boolean,
                worsened_complication=Boolean,
                record=JSON,
                medications_recorded=Boolean,
                measured=Boolean,
                late=Boolean,
                complete=Boolean,
                missing_items=JSON,
                classification=String,
                urgent_referral=Boolean,
                referral_recommended=Boolean,
                next_due_on=Date,
                change_seq=BigInteger,
            )
            checks = _table(
                "health_checks",
                id=Uuid,
                resident_id=Uuid,
                performed_on=Date,
                items=JSON,
                change_seq=BigInteger,
            )
            attempts = _table(
                "contact_attempts",
                id=Uuid,
                resident_id=Uuid,
                at=UTCDateTime,
                channel=String,
                result=String,
                change_seq=BigInteger,
            )
            no = dict.fromkeys(
                ("adverse_reaction", "new_complication", "worsened_complication", "late"), False
            )
            for n, (resident, village) in enumerate(residents.items(), start=1):
                enrollment = uuid.uuid4()
                conn.execute(
                    insert(people).values(
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
                        **synced,
                    )
                )
                conn.execute(
                    insert(enrollments).values(
                        id=enrollment,
                        resident_id=resident,
                        village_id=village,
                        condition="hypertension",
                        status="active",
                        enrolled_on=date(2026, 1, 1),
                        **synced,
                    )
                )
                conn.execute(
                    insert(followups).values(
                        id=uuid.uuid4(),
                        enrollment_id=enrollment,
                        resident_id=resident,
                        condition="hypertension",
                        performed_at=utcnow(),
                        mode="clinic",
                        danger_signs=[],
                        record={},
                        medications_recorded=False,
                        measured=True,
                        complete=False,
                        missing_items=[],
                        classification="controlled",
                        urgent_referral=False,
                        referral_recommended=False,
                        next_due_on=date(2026, 4, 1),
                        **no,
                        **synced,
                    )
                )
                conn.execute(
                    insert(checks).values(
                        id=uuid.uuid4(),
                        resident_id=resident,
                        performed_on=date(2026, 3, 1),
                        items={},
                        **synced,
                    )
                )
                conn.execute(
                    insert(attempts).values(
                        id=uuid.uuid4(),
                        resident_id=resident,
                        at=utcnow(),
                        channel="phone",
                        result="unreachable",
                        **synced,
                    )
                )
        upgrade()
        with db.engine.connect() as conn:
            carried = {
                name: set(
                    conn.execute(
                        select(_table(name, resident_id=Uuid, village_id=Uuid).c["resident_id", "village_id"])
                    ).all()
                )
                for name in ("followups", "health_checks", "contact_attempts")
            }
    assert carried == {name: set(residents.items()) for name in carried}
