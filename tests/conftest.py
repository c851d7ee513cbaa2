"""Fixtures: one app and schema per session, every table emptied between tests.

``TEST_DATABASE_URL`` selects the database (CI: PostgreSQL); without it the suite
runs on a SQLite file in a temporary folder.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, text
from werkzeug.serving import make_server

from fieldapp import create_app
from fieldapp.extensions import db


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each real-browser test one retry, reported as a rerun in the summary.

    One run in about twenty, under full load, a Chromium journey timed out waiting for
    a screen; nothing else is retried, so a real fault still fails twice and is reported.
    """
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.flaky(reruns=1))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


def app_config(database_url: str, instance_path: Path) -> dict[str, Any]:
    """The configuration every test app starts from."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "REDIS_URL": None,
        "SMS_PROVIDER": "outbox",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # cheap: tests sign in thousands of times
        # The made-up push services tests subscribe to (a loopback one adds itself).
        "FIELDAPP_PUSH_HOSTS": "push.example,push.example.com,push.example.test",
        "INSTANCE_PATH": str(instance_path),
    }


def _commit_without_waiting_for_disk(connection: Any, _record: Any) -> None:
    """A throw-away test database need not survive a power cut: commits do not wait for fsync."""
    cursor = connection.cursor()
    if isinstance(connection, sqlite3.Connection):
        cursor.execute("PRAGMA synchronous=OFF")
    else:
        cursor.execute("SET synchronous_commit TO off")
        connection.commit()
    cursor.close()


@pytest.fixture(scope="session")
def _app(database_url: str, instance_path: Path) -> Iterator[Flask]:
    app = create_app(app_config(database_url, instance_path))
    with app.app_context():
        event.listen(db.engine, "connect", _commit_without_waiting_for_disk)
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    yield app


def _empty_tables() -> None:
    """Delete every row, children first (DELETE is far quicker than TRUNCATE on small tables)."""
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if db.engine.dialect.name == "postgresql":
            sequences = conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
            )
            for (name,) in sequences.all():
                conn.execute(text("SELECT setval(:name, 1, false)"), {"name": name})


@pytest.fixture
def app(_app: Flask) -> Iterator[Flask]:
    saved = dict(_app.config)
    with _app.app_context():
        yield _app
        db.session.remove()
        _empty_tables()
    _app.config.clear()
    _app.config.update(saved)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_app(app: Flask, database_url: str, instance_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build a second app with some settings changed: ``make_app(SQLALCHEMY_DATABASE_URI=...)``.

    ``without=("NAME",)`` leaves a setting to the app's own defaults.

    Their database connections are closed afterwards.
    """

    built: list[Flask] = []

    def build(without: tuple[str, ...] = (), **overrides: Any) -> Flask:
        config = {**app_config(database_url, instance_path), **overrides}
        for name in without:
            config.pop(name)
        built.append(create_app(config))
        return built[-1]

    yield build
    for other in built:
        with other.app_context():
            db.engine.dispose()


# Browser tests (field app and console) share one server fixture and one Chromium.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 in a server thread, on the test database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for the run; the tests are skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_context(
    chromium: Any, base_url: str, viewport: dict[str, int], **options: Any
) -> tuple[Any, list[str]]:
    """A fresh Chinese browser profile on ``base_url``, and the list its CSP refusals are collected in."""
    context = chromium.new_context(
        base_url=base_url,
        viewport=viewport,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="allow",
        **options,
    )
    context.set_default_timeout(10_000)
    refused: list[str] = []
    context.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    return context, refused
