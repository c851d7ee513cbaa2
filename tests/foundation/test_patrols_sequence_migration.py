"""Migration 0011: patrols planned before it are pulled by every phone on its next sync."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from fieldapp.extensions import db


def test_existing_patrols_get_a_sequence_value_past_every_saved_cursor(
    make_app: Callable[..., Flask], fresh_database_url: str, logging_kept: None
) -> None:
    fresh = make_app(SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with fresh.app_context():
        upgrade(revision="0007")
        township, village, patrol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO counters (name, value) VALUES ('sync', 41)"))
            conn.execute(
                text(
                    "INSERT INTO townships (id, code, name, division_code, created_at, updated_at)"
                    " VALUES (:id, 'T1', '青山镇', '001', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": township},
            )
            conn.execute(
                text(
                    "INSERT INTO villages (id, code, name, township_id, division_code, created_at, updated_at)"
                    " VALUES (:id, 'V1', '东村', :t, '001', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": village, "t": township},
            )
            conn.execute(
                text(
                    "INSERT INTO patrols (id, village_id, township_id, kind, date, team, status, revision,"
                    " created_at, updated_at) VALUES (:id, :v, :t, 'patrol', '2030-01-02', '[]', 'planned', 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": patrol, "v": village, "t": township},
            )
        upgrade()
        with db.engine.connect() as conn:
            seq = conn.execute(text("SELECT change_seq FROM patrols")).scalar_one()
            counter = conn.execute(text("SELECT value FROM counters WHERE name = 'sync'")).scalar_one()
    assert seq == counter == 42
