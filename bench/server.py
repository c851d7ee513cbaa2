"""Requests per second through a real server: a follow-up POST beside a trivial JSON endpoint.

One gunicorn (2 sync workers, the machine's 2 cores) serves the app on loopback;
4 client threads send a bounded number of requests with ``http.client``, one
connection per request (sync workers do not keep connections alive), for each
endpoint in turn, twice, under exactly the same settings.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from bench.forms import full_form
from fieldapp.auth.models import User
from fieldapp.auth.service import issue_token
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.org.models import Village
from fieldapp.residents.models import Resident
from fieldapp.timeutil import isoformat_local, utcnow

ROOT = Path(__file__).resolve().parent.parent
WORKERS, THREADS, REQUESTS, ROUNDS = 2, 4, 400, 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def _drive(
    port: int, method: str, path: str, headers: dict[str, str], bodies: list[bytes | None]
) -> tuple[float, list[float], Counter[int]]:
    """Send every body from ``THREADS`` threads; return the wall time, latencies and statuses."""
    work: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    for body in bodies:
        work.put(body)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    def worker() -> None:
        while True:
            try:
                body = work.get_nowait()
            except queue.Empty:
                return
            status, latency = _request(port, method, path, headers, body)
            with lock:
                latencies.append(latency)
                statuses[status] += 1

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


def _followup_bodies(user: User, count: int) -> list[bytes | None]:
    """New full-form follow-ups of active hypertension enrollments in the user's township, a second apart."""
    resident_ids = list(
        db.session.scalars(
            select(Enrollment.resident_id)
            .join(Resident, Resident.id == Enrollment.resident_id)
            .join(Village, Village.id == Resident.village_id)
            .where(
                Village.township_id == user.township_id,
                Enrollment.status == "active",
                Enrollment.condition == "hypertension",
            )
            .limit(500)
        )
    )
    now = utcnow()
    return [
        json.dumps(
            {
                "id": str(uuid.uuid4()),
                "resident_id": str(resident_id),
                "condition": "hypertension",
                "performed_at": isoformat_local(now - timedelta(seconds=n)),
                "mode": "clinic",
                "sbp": 124 + n % 30,
                "dbp": 80,
                **full_form(),
            }
        ).encode()
        for n, resident_id in zip(range(count), itertools.cycle(resident_ids), strict=False)
    ]


def _start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FIELDAPP_INSTANCE_PATH": str(Path(tempfile.gettempdir()) / "fieldapp-bench-instance"),
        "REDIS_URL": "",
        "SMS_PROVIDER": "outbox",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _request(port, "GET", "/healthz", {}, None)[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def _row(operation: str, database: str, wall: float, latencies: list[float], note: str) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "operation": operation,
        "database": database,
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000, 1),
        "records_per_s": round(len(latencies) / wall, 1),
        "peak_mem_mb": None,
        "runs": len(latencies),
        "note": note,
    }


def http_throughput(
    app: Flask, database: str, database_url: str, writer_username: str
) -> list[dict[str, Any]]:
    """Requests per second of ``POST /api/v1/followups`` and ``GET /api/v1/me`` on one server."""
    with app.app_context():
        writer = db.session.scalar(select(User).where(User.username == writer_username))
        if writer is None:
            raise RuntimeError(f"the bench county has no user {writer_username}")
        raw, _token = issue_token(writer)
        db.session.commit()
        bodies = _followup_bodies(writer, REQUESTS * ROUNDS + 20)
    headers = {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}
    port = _free_port()
    server = _start_server(database_url, port)
    trivial: dict[str, Any] = {"wall": 0.0, "latencies": [], "statuses": Counter()}
    write: dict[str, Any] = {"wall": 0.0, "latencies": [], "statuses": Counter()}
    no_body: list[bytes | None] = [None] * REQUESTS
    try:
        _drive(port, "GET", "/api/v1/me", headers, no_body[:20])
        _drive(port, "POST", "/api/v1/followups", headers, bodies[:20])
        for round_no in range(ROUNDS):
            for tally, method, path, batch in (
                (trivial, "GET", "/api/v1/me", no_body),
                (
                    write,
                    "POST",
                    "/api/v1/followups",
                    bodies[20 + round_no * REQUESTS : 20 + (round_no + 1) * REQUESTS],
                ),
            ):
                wall, latencies, statuses = _drive(port, method, path, headers, batch)
                tally["wall"] += wall
                tally["latencies"] += latencies
                tally["statuses"] += statuses
    finally:
        server.terminate()
        server.wait(timeout=30)
    trivial_rps = len(trivial["latencies"]) / trivial["wall"]
    write_rps = len(write["latencies"]) / write["wall"]
    server_note = f"gunicorn {WORKERS} workers, {THREADS} client threads"
    return [
        _row("GET /api/v1/me (trivial JSON)", database, trivial["wall"], trivial["latencies"],
             f"{server_note}; {_statuses(trivial['statuses'])}"),
        _row("POST /api/v1/followups", database, write["wall"], write["latencies"],
             f"{write_rps / trivial_rps:.0%} of GET /me rps; {_statuses(write['statuses'])}"),
    ]  # fmt: skip


def _statuses(statuses: Counter[int]) -> str:
    """The answers' statuses, flagged when some request failed (the rate then counts failures too)."""
    failed = set(statuses) - {200, 201}
    return f"{'ERRORS, ' if failed else ''}statuses {dict(statuses)}"
