"""``flask db upgrade`` on a fresh database builds exactly the schema the models describe."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import upgrade

from fieldapp.extensions import db


def test_upgrade_on_a_fresh_database_matches_the_models(
    make_app: Callable[..., Flask], fresh_database_url: str, logging_kept: None
) -> None:
    fresh = make_app(SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with fresh.app_context():
        upgrade()
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert not differences, (
        "the models changed since migrations/versions was written; regenerate it "
        f"(flask --app fieldapp db migrate): {differences}"
    )
