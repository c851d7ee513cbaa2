"""Bulk rows (COPY on PostgreSQL): stored as a Core insert stores them, errors as an INSERT's."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Text, cast, insert, select, text
from sqlalchemy.exc import IntegrityError

from fieldapp.bulk import insert_rows
from fieldapp.extensions import db
from fieldapp.imports.models import ImportRun

RUNS = ImportRun.__table__


ON_POSTGRESQL = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="COPY and foreign-key triggers are PostgreSQL's (SQLite here does not check foreign keys)",
)


def _stored(run_id: uuid.UUID) -> dict[str, Any]:
    """The row as the database holds it: JSON columns as their text, no type's conversion back."""
    columns = [
        cast(c, Text) if c.name in ("errors", "rejected") else c for c in RUNS.columns if c.name != "id"
    ]
    row = db.session.execute(select(*columns).where(RUNS.c.id == run_id)).one()
    return dict(row._mapping)


def test_rows_are_stored_as_a_core_insert_stores_them_json_none_included(app: Flask) -> None:
    values = {"filename": "名册.xlsx", "errors": None, "rejected": [{"row": 2, "values": {"姓名": "张三"}}]}
    bulk_id, core_id = uuid.uuid4(), uuid.uuid4()
    insert_rows(RUNS, [{"id": bulk_id, **values}])
    db.session.execute(insert(RUNS), [{"id": core_id, **values}])
    db.session.commit()

    bulk, core = _stored(bulk_id), _stored(core_id)
    # None through the JSON type is JSON null (the column is NOT NULL), not SQL NULL.
    assert bulk["errors"] == "null"
    # The defaults (status, counts, timestamps) are filled as the INSERT fills them.
    assert bulk["status"] == "running" and bulk["rows"] == 0 and bulk["created_at"] is not None
    for name in ("created_at", "updated_at"):
        assert abs((bulk.pop(name) - core.pop(name)).total_seconds()) < 60
    assert bulk == core


def test_a_unique_clash_is_an_integrity_error_and_the_session_goes_on(app: Flask) -> None:
    run_id = uuid.uuid4()
    insert_rows(RUNS, [{"id": run_id, "filename": "a.csv"}])
    db.session.commit()
    with pytest.raises(IntegrityError):
        insert_rows(RUNS, [{"id": uuid.uuid4(), "filename": "b.csv"}, {"id": run_id, "filename": "c.csv"}])
    db.session.rollback()
    assert db.session.scalars(select(RUNS.c.filename)).all() == ["a.csv"]


@ON_POSTGRESQL
def test_rows_from_outside_have_their_foreign_keys_checked(app: Flask) -> None:
    with pytest.raises(IntegrityError):
        insert_rows(RUNS, [{"id": uuid.uuid4(), "filename": "a.csv", "created_by": uuid.uuid4()}])
    db.session.rollback()


@ON_POSTGRESQL
def test_trusted_rows_skip_the_foreign_key_checks_for_that_statement_only(app: Flask) -> None:
    before = db.session.scalar(text("SELECT current_setting('session_replication_role')"))
    dangling = {"filename": "a.csv", "created_by": uuid.uuid4()}
    insert_rows(RUNS, [{"id": uuid.uuid4(), **dangling}], trusted=True)
    assert db.session.scalar(text("SELECT current_setting('session_replication_role')")) == before
    with pytest.raises(IntegrityError):
        insert_rows(RUNS, [{"id": uuid.uuid4(), **dangling}])
    db.session.rollback()
