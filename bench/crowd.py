"""Scale-out: ``python -m bench.crowd DATABASE_URL [--redis URL] [--doctors 50] [--seconds 60]``.

Two web processes (gunicorn, ``--web-workers`` sync workers each, on two ports, clients
spread over both as a load balancer would) and two RQ workers (``bench.worker``: what
``flask worker`` runs, SMS to the outbox) share one PostgreSQL and one Redis. A crowd of
village doctors, each a thread with a phone's state (its sync cursor), first catches up
(its pull from ``since: null`` to the end, untimed), then for ``--seconds`` repeats what a
phone does on a sync: push what was typed since the last one (1 to 5 follow-ups of the
doctor's residents, now and then a new resident with an enrollment and a visit) with its
cursor, pull while ``more``, then waits 1 to 3 s. Five seconds in, the reminder scan is
enqueued (at 10:00 local of ``--scan-day`` days from today) and runs on the two workers
beside the crowd.

Reported: requests, errors (any answer but 200, any record not ``created``), requests a
second, p50 and p95 of pushes, pulls and all; the scan job's duration, its messages and
when the last was sent; the load average before and after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from bench.county import bench_app
from bench.forms import full_form
from bench.run import followup_residents
from bench.scale import SCAN_KINDS, _queued, _start_workers, _stop_workers, load
from fieldapp.auth.models import Role, User
from fieldapp.auth.service import issue_token
from fieldapp.extensions import db
from fieldapp.timeutil import isoformat_local, local_today, local_zone, utcnow
from workers.queues import QueueNames

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_web(database_url: str, redis_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FIELDAPP_INSTANCE_PATH": str(Path(tempfile.gettempdir()) / "fieldapp-bench-instance"),
        "REDIS_URL": redis_url,
        "SMS_PROVIDER": "outbox",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120", "wsgi:app"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


class Phone:
    """One doctor's phone: its token, cursor and residents, and what it has typed."""

    def __init__(self, user: User, token: str, residents: list[uuid.UUID], seed: int) -> None:
        self.user = user
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.residents = residents
        self.village_ids = [str(v) for v in user.village_ids]
        self.cursor: str | None = None
        self.rng = random.Random(seed)
        self.typed_at = utcnow() - timedelta(hours=2)

    def typed(self) -> list[dict[str, Any]]:
        """What the doctor typed since the last sync: 1-5 follow-ups, sometimes a new resident."""
        records: list[dict[str, Any]] = []
        for _ in range(self.rng.randint(1, 5)):
            self.typed_at += timedelta(seconds=1)
            records.append(
                {
                    "type": "followup",
                    "data": {
                        "id": str(uuid.uuid4()),
                        "resident_id": str(self.rng.choice(self.residents)),
                        "condition": "hypertension",
                        "performed_at": isoformat_local(self.typed_at),
                        "mode": "home",
                        "sbp": self.rng.randint(112, 168),
                        "dbp": self.rng.randint(70, 100),
                        **full_form(),
                    },
                }
            )
        if self.rng.random() < 0.3:
            resident_id = str(uuid.uuid4())
            village_id = self.rng.choice(self.village_ids)
            today = local_today()
            records += [
                {
                    "type": "resident",
                    "data": {
                        "id": resident_id,
                        "name": "新居民",
                        "sex": "F",
                        "birth_date": "1960-05-01",
                        "village_id": village_id,
                        "sms_consent": True,
                    },
                },
                {
                    "type": "enrollment",
                    "data": {
                        "id": str(uuid.uuid4()),
                        "resident_id": resident_id,
                        "condition": "hypertension",
                        "diagnosed_on": str(today - timedelta(days=10)),
                        "enrolled_on": str(today),
                    },
                },
                {
                    "type": "visit",
                    "data": {
                        "id": str(uuid.uuid4()),
                        "village_id": village_id,
                        "resident_id": resident_id,
                        "visited_at": isoformat_local(self.typed_at),
                        "purpose": "followup",
                    },
                },
            ]
        return records


class Tally:
    """Every request's kind, latency and outcome."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {"push": [], "pull": []}
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append(error)


def _sync(
    port: int, phone: Phone, records: list[dict[str, Any]]
) -> tuple[float, dict[str, Any] | None, str | None]:
    body = json.dumps({"records": records, "since": phone.cursor}).encode()
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/api/v1/sync", body=body, headers=phone.headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
    except OSError as error:
        return time.perf_counter() - started, None, f"{type(error).__name__}: {error}"
    elapsed = time.perf_counter() - started
    if response.status != 200:
        return elapsed, None, f"{response.status} {raw[:200]!r}"
    answer = json.loads(raw)
    refused = [r for r in answer["results"] if r["status"] != "created"]
    if refused:
        return elapsed, answer, f"records not created: {refused[:2]}"
    phone.cursor = answer["cursor"]
    return elapsed, answer, None


def _catch_up(ports: list[int], phone: Phone) -> int:
    pages = 0
    while True:
        _elapsed, answer, error = _sync(ports[pages % len(ports)], phone, [])
        if error:
            raise RuntimeError(f"catching up: {error}")
        pages += 1
        if not answer or not answer["more"]:
            return pages


def _doctor_loop(ports: list[int], phone: Phone, tally: Tally, until: float, index: int) -> None:
    turn = index
    while time.perf_counter() < until:
        elapsed, answer, error = _sync(ports[turn % len(ports)], phone, phone.typed())
        turn += 1
        tally.add("push", elapsed, error)
        while answer and answer.get("more") and time.perf_counter() < until:
            elapsed, answer, error = _sync(ports[turn % len(ports)], phone, [])
            turn += 1
            tally.add("pull", elapsed, error)
        time.sleep(phone.rng.uniform(1.0, 3.0))


def _phones(doctors: int) -> list[Phone]:
    users = db.session.scalars(
        select(User)
        .where(User.role == Role.VILLAGE_DOCTOR, User.username.like("vd.%"))
        .order_by(User.username)
    ).all()
    phones = []
    for n, user in enumerate(users):
        if len(phones) == doctors:
            break
        residents = followup_residents(user, 200)
        if not residents:
            continue
        raw, _token = issue_token(user)
        phones.append(Phone(user, raw, residents, seed=n))
    db.session.commit()
    if len(phones) < doctors:
        raise RuntimeError(f"the county has only {len(phones)} village doctors with residents")
    return phones


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, round(share * len(ordered)) - 1)] * 1000, 1) if ordered else 0.0


def main() -> None:
    """Run the crowd, print the figures as JSON (and write them to ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
    parser.add_argument("--doctors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers in each web process")
    parser.add_argument(
        "--scan-day", type=int, default=2, help="the scan runs at 10:00 this many days from today"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    app = bench_app(args.database_url)
    connection = Redis.from_url(args.redis)
    connection.flushdb()
    scan_at = datetime.combine(
        local_today() + timedelta(days=args.scan_day), clock_time(10, 0), tzinfo=local_zone()
    )
    with app.app_context():
        phones = _phones(args.doctors)
        ports = [_free_port(), _free_port()]
        web = [_start_web(args.database_url, args.redis, port, args.web_workers) for port in ports]
        rq_workers = _start_workers(args.database_url, args.redis, scan_at, 2)
        try:
            started = time.perf_counter()
            catch_up = [0] * len(phones)

            def catch(n: int) -> None:
                catch_up[n] = _catch_up(ports, phones[n])

            threads = [threading.Thread(target=catch, args=(n,)) for n in range(len(phones))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            caught_up_s = time.perf_counter() - started
            print(
                f"{len(phones)} phones caught up in {caught_up_s:.1f} s ({sum(catch_up)} pages)", flush=True
            )
            load_before = load()
            tally = Tally()
            begin = time.perf_counter()
            until = begin + args.seconds
            threads = [
                threading.Thread(target=_doctor_loop, args=(ports, phone, tally, until, n))
                for n, phone in enumerate(phones)
            ]
            for thread in threads:
                thread.start()
            time.sleep(5)
            scan_started = time.perf_counter()
            job = Queue(QueueNames.PERIODIC, connection=connection).enqueue(
                "workers.jobs.reminder_scan_job", scan_at.isoformat(), job_timeout=3600
            )
            sms = Queue(QueueNames.SMS, connection=connection)
            sending = StartedJobRegistry(QueueNames.SMS, connection=connection)
            scan_s = all_sent_s = None
            while any(thread.is_alive() for thread in threads) or all_sent_s is None:
                time.sleep(0.5)
                if scan_s is None and job.get_status(refresh=True) == "finished":
                    job.refresh()
                    scan_s = (job.ended_at - job.started_at).total_seconds()  # type: ignore[operator]
                drained = scan_s is not None and sms.count == 0 and sending.count == 0
                if all_sent_s is None and drained and _queued() == 0:
                    all_sent_s = time.perf_counter() - scan_started
                if time.perf_counter() - scan_started > 900:
                    break
            wall = time.perf_counter() - begin
            for thread in threads:
                thread.join()
            result = job.return_value() or {}
        finally:
            _stop_workers(rq_workers)
            for server in web:
                server.terminate()
            for server in web:
                server.wait(30)
    pushes, pulls = tally.latencies["push"], tally.latencies["pull"]
    every = pushes + pulls
    figures = {
        "doctors": len(phones),
        "web": f"2 gunicorn processes x {args.web_workers} sync workers",
        "rq_workers": 2,
        "seconds": args.seconds,
        "requests": len(every),
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "requests_per_s": round(len(every) / args.seconds, 1),
        "records_pushed_per_s": None,
        "p50_ms": _pct(every, 0.5),
        "p95_ms": _pct(every, 0.95),
        "push": {"n": len(pushes), "p50_ms": _pct(pushes, 0.5), "p95_ms": _pct(pushes, 0.95)},
        "pull": {"n": len(pulls), "p50_ms": _pct(pulls, 0.5), "p95_ms": _pct(pulls, 0.95)},
        "scan": {
            "at": scan_at.isoformat(),
            "job_s": scan_s,
            "messages": sum(int(result.get(kind, 0)) for kind in SCAN_KINDS),
            "all_sent_after_s": None if all_sent_s is None else round(all_sent_s, 1),
        },
        "wall_s": round(wall, 1),
        "catch_up": {"pages": sum(catch_up), "seconds": round(caught_up_s, 1)},
        "load_before": load_before,
        "load_after": load(),
        "mean_ms": round(statistics.mean(every) * 1000, 1) if every else None,
    }
    figures.pop("records_pushed_per_s")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    if tally.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
