"""Fixtures shared by the messaging and worker tests (imported by their conftest modules)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fakeredis
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from redis import Redis

from fieldapp.messaging.texts import TRANSLATIONS
from tests.messaging.loopback import PushLoopback, TwilioLoopback

LOCAL = ZoneInfo("Asia/Shanghai")
AUTH_TOKEN = "loopback-auth-token"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC_URL = "https://fieldapp.example.org"
PROVIDER_EXTENSIONS = ("fieldapp_sms_client", "fieldapp_push_client", "fieldapp_vapid", "fieldapp_redis")


def local(*parts: int) -> datetime:
    """An instant given in the deployment's local time."""
    return datetime(*parts, tzinfo=LOCAL)  # type: ignore[misc]


@pytest.fixture(scope="session", autouse=True)
def sms_catalogs() -> None:
    """Compile the sms catalogs as ``make translations`` does, so texts come out translated."""
    for po_path in Path(TRANSLATIONS).glob("*/LC_MESSAGES/sms.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        with mo_path.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture(autouse=True)
def fresh_providers(app: Flask) -> Iterator[None]:
    """Each test builds its own provider clients from its own configuration."""
    app.config["FIELDAPP_PUBLIC_URL"] = PUBLIC_URL
    app.config["TWILIO_AUTH_TOKEN"] = AUTH_TOKEN
    for name in PROVIDER_EXTENSIONS:
        app.extensions.pop(name, None)
    yield
    for name in PROVIDER_EXTENSIONS:
        app.extensions.pop(name, None)


@pytest.fixture
def twilio(app: Flask) -> Iterator[TwilioLoopback]:
    """The real twilio client, talking to a loopback Messages API; retries wait 0 s."""
    server = TwilioLoopback()
    app.config.update(
        SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_FROM="+15005550006",
        TWILIO_API_BASE_URL=server.url,
        SMS_RETRY_WAITS=(0, 0, 0, 0),
    )
    yield server
    server.close()


@pytest.fixture
def push_service(app: Flask) -> Iterator[PushLoopback]:
    server = PushLoopback()
    app.config["FIELDAPP_PUSH_HOSTS"] = f"{app.config['FIELDAPP_PUSH_HOSTS']},{server.url}"
    yield server
    server.close()


@pytest.fixture
def fake_redis(app: Flask) -> Redis:
    """REDIS_URL set, served by fakeredis in this process."""
    connection = fakeredis.FakeRedis()
    app.config["REDIS_URL"] = "redis://fakeredis/0"
    app.extensions["fieldapp_redis"] = (app.config["REDIS_URL"], connection)
    return connection


@pytest.fixture
def real_redis(app: Flask) -> Iterator[Redis]:
    """``TEST_REDIS_URL`` (a private redis-server under ``make test``), else fakeredis."""
    from rq import Queue

    from workers.queues import QueueNames

    url = os.environ.get("TEST_REDIS_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if url and worker.startswith("gw"):
        # Parallel test processes must not run each other's jobs: one database each.
        url = f"{url.rsplit('/', 1)[0]}/{1 + int(worker[2:]) % 15}"
    connection = Redis.from_url(url) if url else fakeredis.FakeRedis()
    app.config["REDIS_URL"] = url or "redis://fakeredis/0"
    app.extensions["fieldapp_redis"] = (app.config["REDIS_URL"], connection)
    queues = [Queue(name, connection=connection) for name in QueueNames.all()] if url else []
    for queue in queues:  # a fresh fakeredis is empty already (and has no Lua to empty with)
        queue.empty()
    yield connection
    for queue in queues:
        queue.empty()
