"""Failed-sign-in limits hold across worker processes without Redis: two real gunicorn workers."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from fieldapp.auth.models import Role
from tests.builders import PASSWORD, create_user

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_LIMIT = 5  # the default: 5 failed attempts per account (at one address) per 15 minutes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sign_in(port: int, username: str, password: str, address: str) -> int:
    """POST /api/v1/auth/token on a connection of its own, from ``address`` (as the proxy says)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = json.dumps({"username": username, "password": password})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": address, "Connection": "close"}
        connection.request("POST", "/api/v1/auth/token", body, headers)
        return connection.getresponse().status
    finally:
        connection.close()


def _wait_until_both_workers_answer(server: subprocess.Popen[bytes], port: int) -> None:
    """Until the health check answers twice in a row (the master listens before its workers run)."""
    deadline, answered = time.monotonic() + 90, 0
    while answered < 2:
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("gunicorn did not start")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", "/healthz")
            answered = answered + 1 if connection.getresponse().status == 200 else 0
        except OSError:
            answered = 0
            time.sleep(0.2)
        finally:
            connection.close()


@pytest.fixture
def two_workers(app: Flask, database_url: str, tmp_path: Path) -> Iterator[int]:
    """gunicorn with 2 sync workers on the test database, behind one trusted proxy, no Redis."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FIELDAPP_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "test-secret",
        "REDIS_URL": "",
        "SMS_PROVIDER": "outbox",
        "FIELDAPP_TRUSTED_PROXIES": "1",
        "FIELDAPP_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        _wait_until_both_workers_answer(server, port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_limits_hold_across_two_workers_and_lock_no_one_out_elsewhere(
    app: Flask, two_workers: int
) -> None:
    create_user(Role.REFERRAL_DESK, username="desk")
    attacker, workstation = "203.0.113.66", "10.20.0.7"
    for _ in range(ACCOUNT_LIMIT):
        assert _sign_in(two_workers, "desk", "guess", attacker) == 401
    # Whichever worker answers, the attacker's address is refused, even with the right password ...
    assert [_sign_in(two_workers, "desk", PASSWORD, attacker) for _ in range(8)] == [429] * 8
    # ... and the desk signs in from its own workstation all the same.
    assert [_sign_in(two_workers, "desk", PASSWORD, workstation) for _ in range(4)] == [200] * 4
