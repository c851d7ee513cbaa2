"""Messaging benchmarks, called by ``bench.run`` with each database's URL.

* The reminder scan over the synthetic county, at 10:00 local time, with Redis
  configured so each message becomes one enqueued job (a private ``redis-server`` when
  one is installed, else fakeredis): wall time, peak Python heap, and the number of SQL
  statements (which follows the number of messages, not of residents). Each timed run
  starts from no notices; a second row times the steady-state re-scan that finds
  nothing new (what the every-15-minutes job costs).
* SMS jobs through one worker (an RQ ``SimpleWorker``, as ``flask worker`` runs) against
  a loopback Twilio Messages API served from another process, through the real twilio
  client: messages a second; beside it, the same worker running no-op jobs, which is
  RQ's own ceiling on the machine (a job per message cannot go faster than that).
"""

from __future__ import annotations

import multiprocessing
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import time as clock_time
from typing import Any

import fakeredis
from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import delete, event, insert

from bench.county import bench_app
from bench.results import result_row
from fieldapp.extensions import db
from fieldapp.messaging.clock import frozen_at
from fieldapp.messaging.models import EnrollmentNotice, Message
from fieldapp.messaging.reminders import scan
from fieldapp.timeutil import local_today, local_zone
from tests.run import start_private_redis
from workers.queues import QueueNames

SCAN_RUNS = 3
SMS_MESSAGES = 2000
BENCH_KEY_PREFIX = "bench-sms:"


@contextmanager
def _redis() -> Iterator[tuple[str, Redis]]:
    """A private redis-server on a free port, else fakeredis."""
    started = start_private_redis()
    if started is None:
        yield "redis://fakeredis/0", fakeredis.FakeRedis()
        return
    server, url = started
    try:
        yield url, Redis.from_url(url)
    finally:
        server.terminate()
        server.wait(10)


def _use_redis(app: Flask, url: str, connection: Redis) -> None:
    app.config["REDIS_URL"] = url
    app.extensions["fieldapp_redis"] = (url, connection)


class _StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


def _forget_scan_output() -> None:
    db.session.execute(delete(EnrollmentNotice))
    db.session.execute(delete(Message).where(Message.kind.in_(("reminder", "overdue", "patrol"))))
    db.session.commit()


def _bench_scan(app: Flask, database: str, connection: Redis) -> list[dict[str, Any]]:
    at = datetime.combine(local_today(), clock_time(10, 0), tzinfo=local_zone())
    sms = Queue(QueueNames.SMS, connection=connection)
    counter = _StatementCounter()
    times, created, statements = [], 0, 0
    for _ in range(SCAN_RUNS):
        _forget_scan_output()
        sms.empty()
        event.listen(db.engine, "before_cursor_execute", counter)
        counter.count = 0
        started = time.perf_counter()
        with frozen_at(at):
            result = scan()
        times.append(time.perf_counter() - started)
        event.remove(db.engine, "before_cursor_execute", counter)
        created = result.reminder + result.overdue + result.patrol
        statements = counter.count
        if sms.count != created:
            raise RuntimeError(f"scan made {created} messages but {sms.count} jobs")
    _forget_scan_output()
    tracemalloc.start()
    with frozen_at(at):
        scan()
    peak = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    rescans = []
    for _ in range(SCAN_RUNS):
        started = time.perf_counter()
        with frozen_at(at):
            again = scan()
        rescans.append(time.perf_counter() - started)
        if again.reminder + again.overdue + again.patrol:
            raise RuntimeError("a re-scan found messages to send again")
    sms.empty()
    first = result_row("reminder scan, 300k county (jobs to Redis)", database, times, created, peak)
    first["note"] = f"{created} messages, {statements} SQL statements"
    repeat = result_row("reminder scan again, nothing new", database, rescans, None, None)
    return [first, repeat]


def _serve_twilio(ready: Any, stop: Any) -> None:
    from tests.messaging.loopback import TwilioLoopback

    server = TwilioLoopback()
    ready.put(server.url)
    stop.wait()
    server.close()


def _queue_staff_messages(count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    rows = [
        {
            "id": message_id,
            "dedupe_key": f"{BENCH_KEY_PREFIX}{message_id}",
            "to": f"+86138{n:08d}",
            "kind": "referral",
            "body": "【fieldapp】青山镇新转诊R-000123（紧急）至县人民医院，请尽快接收。",
            "segments": 1,
            "status": "queued",
            "respect_quiet_hours": False,
            "attempts": 0,
        }
        for n, message_id in enumerate(ids)
    ]
    db.session.execute(insert(Message), rows)
    db.session.commit()
    return ids


def _bench_sms(app: Flask, database: str, connection: Redis) -> dict[str, Any]:
    from workers.jobs import send_sms_job
    from workers.queues import enqueue_each

    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve_twilio, args=(ready, stop), daemon=True)
    server.start()
    try:
        app.config.update(
            SMS_PROVIDER="twilio",
            TWILIO_ACCOUNT_SID="AC" + "0" * 32,
            TWILIO_AUTH_TOKEN="bench",
            TWILIO_FROM="+15005550006",
            TWILIO_API_BASE_URL=ready.get(timeout=60),
        )
        app.extensions.pop("fieldapp_sms_client", None)
        ids = _queue_staff_messages(SMS_MESSAGES)
        enqueue_each(send_sms_job, [str(i) for i in ids], queue=QueueNames.SMS)
        worker = SimpleWorker(QueueNames.all(), connection=connection)
        started, cpu_started = time.perf_counter(), time.process_time()
        worker.work(burst=True)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        sent = db.session.query(Message).filter(Message.id.in_(ids), Message.status == "sent").count()
        db.session.execute(delete(Message).where(Message.dedupe_key.like(f"{BENCH_KEY_PREFIX}%")))
        db.session.commit()
    finally:
        stop.set()
        server.join(10)
    row = result_row("SMS jobs, one worker, loopback Twilio", database, [elapsed], sent, None)
    row["note"] = (
        f"{sent}/{SMS_MESSAGES} sent, {sent / elapsed:.0f} msg/s, worker CPU {cpu / SMS_MESSAGES * 1000:.2f} ms/msg"
    )
    return row


def _bench_rq_ceiling(database: str, connection: Redis) -> dict[str, Any]:
    """The same worker running no-op jobs: RQ's own ceiling on this machine, for scale."""
    queue = Queue("fieldapp-bench-noop", connection=connection)
    queue.enqueue_many([Queue.prepare_data(len, args=("x",)) for _ in range(SMS_MESSAGES)])
    started, cpu_started = time.perf_counter(), time.process_time()
    SimpleWorker([queue], connection=connection).work(burst=True)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    row = result_row("RQ no-op jobs, same worker (ceiling)", database, [elapsed], SMS_MESSAGES, None)
    row["note"] = f"{SMS_MESSAGES / elapsed:.0f} jobs/s, worker CPU {cpu / SMS_MESSAGES * 1000:.2f} ms/job"
    return row


def run(database_url: str) -> list[dict[str, Any]]:
    """The messaging rows of ``make bench`` for one database."""
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    app = bench_app(database_url)
    rows: list[dict[str, Any]] = []
    with _redis() as (url, connection), app.app_context():
        db.create_all()  # tables added since the county was built
        _use_redis(app, url, connection)
        rows += _bench_scan(app, database, connection)
        rows.append(_bench_sms(app, database, connection))
        rows.append(_bench_rq_ceiling(database, connection))
    return rows


def _main() -> None:
    import json
    import sys

    import click

    from bench.county import sqlite_url

    url = sys.argv[1] if len(sys.argv) > 1 else sqlite_url(300_000)
    for row in run(url):
        click.echo(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    _main()
