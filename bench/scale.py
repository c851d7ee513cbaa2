"""Issue 17's figures on one PostgreSQL county: ``python -m bench.scale DATABASE_URL [options]``.

``make bench ARGS="--residents 3000000 --only postgresql --scale"`` builds (or reuses) the
county and runs this after the usual benchmark; alone, it measures whatever county the
database holds. It times, with the load average beside each figure:

* through the whole Flask stack in-process (no Redis, as the zero-service mode runs): a
  township's overdue queue page, one township-year's indicators, the whole county's
  indicators, a sync push of 1,000 new records with ``since: null``, the replay of the
  same 1,000, and the first page of a township doctor's pull;
* the reminder scan end to end with Redis and two RQ workers (``bench.worker``: what
  ``flask worker`` runs, SMS to the outbox, the messaging clock at 10:00 local): the
  first run (no notice given yet: the whole county's backlog) and the next day's, from
  enqueueing the scan job to the last message sent;
* EXPLAIN (ANALYZE, BUFFERS) of every statement the in-process figures ran that took
  over 100 ms, and of the scan's two statements (``--plans`` writes them to a file).

Before timing, every table and index of the database is read once (``pg_prewarm``, unless
``--cold``), so the figures are a running server's, whose memory holds the county (8 GB at 3
million, on a 24 GB machine), not the first minutes after a restart, when each index probe of a
new id waits on the disk (a push's four id look-ups then took 40-55 ms each at 3 million).

The first run sends the whole backlog, which at 3 million residents is about a hundred
thousand messages: it is followed until ``--drain-cap`` seconds, then the rest are marked
sent (as yesterday's would be) so the next day starts from a real steady state.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, Worker
from rq.registry import StartedJobRegistry
from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from bench.batches import PhoneBatch
from bench.county import BENCH_DIR, SIZE_COUNTER, bench_app
from bench.forms import full_form
from bench.results import result_row
from bench.run import _bearer, _user
from fieldapp.dbtypes import Counter
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.messaging.models import EnrollmentNotice, Message
from fieldapp.messaging.reminders import PHONES_PER_PAGE, ScanClock, _due_enrollments, _enrollment_rows
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today, local_zone
from workers.queues import QueueNames

ROOT = BENCH_DIR.parent
SLOW_MS = 100.0
SCAN_KINDS = ("reminder", "overdue", "patrol")


def load() -> str:
    """The 1-, 5- and 15-minute load averages, as ``uptime`` prints them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


class SlowStatements:
    """Statements over ``SLOW_MS`` on an engine while listening, slowest first, one per text."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.found: dict[str, tuple[float, Any, str]] = {}
        self.label = ""

    def _before(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        elapsed = (time.perf_counter() - conn.info["bench_started"].pop()) * 1000
        if elapsed >= SLOW_MS and (statement not in self.found or self.found[statement][0] < elapsed):
            self.found[statement] = (elapsed, None if many else parameters, self.label)

    @contextmanager
    def listening(self, label: str) -> Iterator[None]:
        """Record slow statements of the block under ``label``."""
        self.label = label
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        try:
            yield
        finally:
            event.remove(self.engine, "before_cursor_execute", self._before)
            event.remove(self.engine, "after_cursor_execute", self._after)

    def plans(self) -> list[str]:
        """EXPLAIN of each: ANALYZE for reads; writes are explained without running them."""
        out = []
        for statement, (ms, parameters, label) in sorted(self.found.items(), key=lambda i: -i[1][0]):
            out.append(explain(statement, parameters, f"{label}: {ms:.0f} ms"))
        return out


def explain(statement: str, parameters: Any, title: str) -> str:
    """The plan of one statement (run with ANALYZE when it only reads), as text under ``title``."""
    reads = statement.lstrip().upper().startswith(("SELECT", "WITH"))
    options = "ANALYZE, BUFFERS" if reads else "COSTS"
    if parameters is None:
        return f"-- {title}\n{statement}\n(executemany: not explained)\n"
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN ({options}) {statement}", parameters).all()
        conn.rollback()
    plan = "\n".join(row[0] for row in rows)
    return f"-- {title}\n{statement}\n{plan}\n"


def _timed(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def _row(operation: str, times: list[float], records: int | None = None, note: str = "") -> dict[str, Any]:
    row = result_row(operation, "postgresql", times, records, None)
    row["load"] = load()
    row["note"] = note
    print(
        f"  {operation}: median {row['median_ms']} ms, p95 {row['p95_ms']} ms (load {row['load']})",
        flush=True,
    )
    return row


def _ok(response: Any, what: str) -> Any:
    if response.status_code != 200:
        raise RuntimeError(f"{what}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response.get_json()


def web_figures(app: Flask, runs: int, slow: SlowStatements) -> list[dict[str, Any]]:
    """The in-process figures of the issue's table."""
    client = app.test_client()
    manager, admin, village, doctor = (_user(name) for name in ("manager", "admin", "village", "doctor"))
    as_manager, as_admin, as_village, as_doctor = (_bearer(u) for u in (manager, admin, village, doctor))
    township_id, year = manager.township_id, local_today().year

    def get(path: str, headers: dict[str, str]) -> Callable[[], object]:
        return lambda: _ok(client.get(path, headers=headers), path)

    rows = []
    queue = f"/api/v1/queue?status=overdue&township_id={township_id}&per_page=50"
    with slow.listening("queue page, township, overdue"):
        rows.append(_row("queue page, township, overdue", _timed(get(queue, as_manager), runs * 3)))
    indicators = f"/api/v1/reports/indicators?year={year}"
    with slow.listening("indicators, one township-year"):
        rows.append(
            _row(
                "indicators, one township-year",
                _timed(get(f"{indicators}&township_id={township_id}", as_manager), runs),
            )
        )
    with slow.listening("indicators, whole county"):
        rows.append(_row("indicators, whole county", _timed(get(indicators, as_admin), max(3, runs // 5))))
    # 250 new residents, each enrolled, with a full-form follow-up and a visit: 1,000 records.
    batch = PhoneBatch(village.village_ids, hours_ago=(1,), form=full_form(), visit=True)
    pushed: list[list[dict[str, Any]]] = []

    def push() -> None:
        records = batch.records()
        pushed.append(records)
        body = _ok(
            client.post("/api/v1/sync", json={"records": records, "since": None}, headers=as_village), "push"
        )
        if {r["status"] for r in body["results"]} != {"created"}:
            raise RuntimeError("sync push: not every record was created")

    def replay() -> None:
        body = _ok(
            client.post("/api/v1/sync", json={"records": pushed[-1], "since": None}, headers=as_village),
            "replay",
        )
        if {r["status"] for r in body["results"]} != {"unchanged"}:
            raise RuntimeError("replay: a record was not unchanged")

    with slow.listening("sync push, 1,000 new records (since: null)"):
        rows.append(_row("sync push, 1,000 new records (since: null)", _timed(push, 5), 1000))
    with slow.listening("replay of the same 1,000"):
        rows.append(_row("replay of the same 1,000", _timed(replay, 5), 1000))

    def pull() -> None:
        body = _ok(
            client.post("/api/v1/sync", json={"records": [], "since": None}, headers=as_doctor), "pull"
        )
        if not body["changes"]["residents"]:
            raise RuntimeError("pull: the first page holds no residents")

    with slow.listening("first page of a township's pull"):
        rows.append(_row("first page of a township's pull (township doctor)", _timed(pull, runs)))
    return rows


# The reminder scan with Redis and two workers


def _start_workers(url: str, redis_url: str, at: datetime, count: int) -> list[subprocess.Popen[bytes]]:
    connection = Redis.from_url(redis_url)
    workers = [
        subprocess.Popen([sys.executable, "-m", "bench.worker", url, redis_url, at.isoformat()], cwd=ROOT)
        for _ in range(count)
    ]
    deadline = time.monotonic() + 120
    while len(Worker.all(connection=connection)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not start")
        time.sleep(0.2)
    return workers


def _stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(60)


def _queued() -> int:
    db.session.rollback()
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.kind.in_(SCAN_KINDS), Message.status.in_(("queued", "sending")))
        )
        or 0
    )


def scan_end_to_end(
    url: str, redis_url: str, at: datetime, label: str, workers: int, drain_cap_s: float
) -> dict[str, Any]:
    """Enqueue the scan job at ``at``; time it and the sending of all it queued, by ``workers`` workers."""
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    started_load = load()
    pool = _start_workers(url, redis_url, at, workers)
    try:
        started = time.perf_counter()
        job = Queue(QueueNames.PERIODIC, connection=connection).enqueue(
            "workers.jobs.reminder_scan_job", at.isoformat(), job_timeout=3600
        )
        sms = Queue(QueueNames.SMS, connection=connection)
        sending = StartedJobRegistry(QueueNames.SMS, connection=connection)
        scan_s: float | None = None
        while True:
            time.sleep(0.25)
            elapsed = time.perf_counter() - started
            status = job.get_status(refresh=True)
            if status == "failed":
                raise RuntimeError(f"the scan job failed: {job.latest_result().exc_string}")  # type: ignore[union-attr]
            if status == "finished" and scan_s is None:
                job.refresh()
                scan_s = (job.ended_at - job.started_at).total_seconds()  # type: ignore[operator]
            if scan_s is not None and sms.count == 0 and sending.count == 0 and _queued() == 0:
                break
            if elapsed > drain_cap_s and scan_s is not None:
                break
        end_to_end = time.perf_counter() - started
        result = job.return_value() or {}
    finally:
        _stop_workers(pool)
    made = sum(int(result.get(kind, 0)) for kind in SCAN_KINDS)
    left = _queued()
    sent = made - left
    note = (
        f"{made} messages; scan job {scan_s:.1f} s; {sent} sent in {end_to_end:.1f} s "
        f"({sent / end_to_end:.0f}/s) by {workers} workers"
    )
    if left:
        note += f"; {left} left at the {drain_cap_s:.0f} s cap, marked sent"
        db.session.execute(
            update(Message)
            .where(Message.kind.in_(SCAN_KINDS), Message.status.in_(("queued", "sending")))
            .values(status="sent")
        )
        db.session.commit()
        connection.flushdb()
    row = _row(label, [end_to_end], made, note)
    row["load"] = f"{started_load} -> {load()}"
    row["scan_s"] = scan_s
    return row


def scan_plans(at: datetime) -> list[str]:
    """EXPLAIN ANALYZE of the scan's two statements as they stand at ``at`` (nothing written)."""
    today = at.astimezone(local_zone()).date()
    due = _due_enrollments(ScanClock(now=at, today=today, send_after=None))
    subquery = due.subquery()
    ids_query = select(subquery.c.phone, subquery.c.id).order_by(subquery.c.phone)
    plans = []
    dialect = db.engine.dialect
    compiled = ids_query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    plans.append(explain(str(compiled), compiled.params, "reminder scan: the due enrollments by phone"))
    ids = [row.id for row in db.session.execute(ids_query.limit(PHONES_PER_PAGE))]
    if ids:
        page = (
            _enrollment_rows()
            .where(Enrollment.id.in_(ids))
            .order_by(Resident.phone, Enrollment.resident_id, Enrollment.id)
        )
        compiled = page.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        plans.append(
            explain(str(compiled), compiled.params, f"reminder scan: one page ({len(ids)} enrollments)")
        )
    db.session.rollback()  # no snapshot held open while the workers claim and update messages
    return plans


def forget_scans() -> None:
    """No notice given yet: the state of a county whose first scan has not run."""
    db.session.execute(delete(EnrollmentNotice))
    db.session.execute(delete(Message).where(Message.kind.in_(SCAN_KINDS)))
    db.session.commit()


def prewarm() -> str:
    """Read every table and index into the operating system's cache; what was done, in words."""
    try:
        db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        blocks = db.session.scalar(
            text(
                "SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 'm', 't')"
            )
        )
    except DBAPIError as error:  # no contrib package, or no right to create the extension
        db.session.rollback()
        return f"not prewarmed ({type(error.orig).__name__})"
    db.session.commit()
    return f"prewarmed {int(blocks or 0) * 8 // 1024:,} MB"


def main() -> None:
    """Measure, print, and write ``bench/scale-<residents>.json`` (and the plans with ``--plans``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--drain-cap", type=float, default=180.0, help="seconds to follow the first run's sends"
    )
    parser.add_argument("--skip-web", action="store_true")
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument("--later-day-only", action="store_true", help="tomorrow's scan only (first run done)")
    parser.add_argument("--plans", type=Path, help="write the EXPLAIN plans here")
    parser.add_argument("--cold", action="store_true", help="time without reading the database in first")
    args = parser.parse_args()
    app = bench_app(args.database_url)
    rows: list[dict[str, Any]] = []
    plans: list[str] = []
    with app.app_context():
        residents = db.session.scalar(select(Counter.value).where(Counter.name == SIZE_COUNTER))
        print(f"county of {residents:,} residents; load {load()}", flush=True)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        if not args.cold:
            print(prewarm(), flush=True)
        slow = SlowStatements(db.engine)
        if not args.skip_web:
            rows += web_figures(app, args.runs, slow)
            plans += slow.plans()
        if not args.skip_scan:
            day = datetime.combine(local_today(), clock_time(10, 0), tzinfo=local_zone())
            if not args.later_day_only:
                forget_scans()
                plans += scan_plans(day)
                rows.append(
                    scan_end_to_end(
                        args.database_url,
                        args.redis,
                        day,
                        "reminder scan, first run",
                        args.workers,
                        args.drain_cap,
                    )
                )
            next_day = day + timedelta(days=1)
            plans += scan_plans(next_day)
            rows.append(
                scan_end_to_end(
                    args.database_url, args.redis, next_day, "reminder scan, a later day", args.workers, 900
                )
            )
    out = BENCH_DIR / f"scale-{residents}.json"
    out.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    if args.plans:
        args.plans.write_text("\n".join(plans))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
