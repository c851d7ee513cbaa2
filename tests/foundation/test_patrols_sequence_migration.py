"""Migration 0011: patrols planned before it are pulled by every phone on its next sync."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from fieldapp.extensions import db
from tests.foundation.old_rows import write_old_row, write_township


def test_existing_patrols_get_a_sequence_value_past_every_saved_cursor(
    make_app: Callable[..., Flask], fresh_database_url: str, logging_kept: None
) -> None:
    fresh = make_app(SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with fresh.app_context():
        upgrade(revision="0007")
        township, village, patrol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        with db.engine.begin() as conn:
            write_old_row(conn, "counters", stamped=False, name="sync", value=41)
            write_township(conn, township, {village: "东村"})
            write_old_row(
                conn,
                "patrols",
                id=patrol,
                village_id=village,
                township_id=township,
                kind="patrol",
                date=date(2030, 1, 2),
                team=[],
                status="planned",
                revision=0,
            )
        upgrade()
        with db.engine.connect() as conn:
            seq = conn.execute(text("SELECT change_seq FROM patrols")).scalar_one()
            counter = conn.execute(text("SELECT value FROM counters WHERE name = 'sync'")).scalar_one()
    assert seq == counter == 42
