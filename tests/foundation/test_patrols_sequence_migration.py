"""Migration 0011: patrols planned before it are pulled by every phone on its next sync."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import JSON, Date, Integer, String, Uuid, column, insert, table, text
from sqlalchemy.sql.expression import TableClause

from fieldapp.dbtypes import UTCDateTime
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow


def _table(table_name: str, /, **types: Any) -> TableClause:
    """The columns a row is written with, as of migration 0007 (the models have moved on)."""
    stamps = [column("created_at", UTCDateTime()), column("updated_at", UTCDateTime())]
    return table(table_name, *[column(key, kind()) for key, kind in types.items()], *stamps)


def test_existing_patrols_get_a_sequence_value_past_every_saved_cursor(
    make_app: Callable[..., Flask], fresh_database_url: str, logging_kept: None
) -> None:
    fresh = make_app(SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with fresh.app_context():
        upgrade(revision="0007")
        township, village, patrol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        stamped = {"created_at": utcnow(), "updated_at": utcnow()}
        with db.engine.begin() as conn:
            conn.execute(insert(_table("counters", name=String, value=Integer)).values(name="sync", value=41))
            townships = _table("townships", id=Uuid, code=String, name=String, division_code=String)
            conn.execute(
                insert(townships).values(
                    id=township, code="T1", name="青山镇", division_code="001", **stamped
                )
            )
            villages = _table(
                "villages", id=Uuid, code=String, name=String, township_id=Uuid, division_code=String
            )
            conn.execute(
                insert(villages).values(
                    id=village, code="V1", name="东村", township_id=township, division_code="001", **stamped
                )
            )
            patrols = _table(
                "patrols",
                id=Uuid,
                village_id=Uuid,
                township_id=Uuid,
                kind=String,
                date=Date,
                team=JSON,
                status=String,
                revision=Integer,
            )
            conn.execute(
                insert(patrols).values(
                    id=patrol,
                    village_id=village,
                    township_id=township,
                    kind="patrol",
                    date=date(2030, 1, 2),
                    team=[],
                    status="planned",
                    revision=0,
                    **stamped,
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            seq = conn.execute(text("SELECT change_seq FROM patrols")).scalar_one()
            counter = conn.execute(text("SELECT value FROM counters WHERE name = 'sync'")).scalar_one()
    assert seq == counter == 42
