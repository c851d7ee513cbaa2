"""A realistic offline day pushed in one sync, its replay, and a backlog of late follow-ups;
called by ``bench.run`` with each database's URL.

A village doctor's day away from the network: 250 new residents, each enrolled, each with two
follow-ups (the visit, then a recheck an hour later): 1,000 records in one ``POST /api/v1/sync``
(``bench.batches.PhoneBatch``). Timed in-process through the test client from a device that is
up to date, with gzip as a phone asks for it, beside a bare Core bulk insert of the same rows in
the same run (the floor: no validation, no rules, no audit). Then the same push again from the
same cursor (the phone lost the answer): nothing doubled, every record ``unchanged``. Then a
backlog: 1,000 follow-ups of 100 enrolled residents, performed over the last ten days, sent
after newer follow-ups of theirs were stored from another device (each older than its
enrollment's newest). Each run uses a fresh small area of its own, so the county's size enters
the figures only through the tables' indexes.
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bench.batches import PhoneBatch, bulk_insert
from bench.county import bench_app
from bench.results import result_row
from fieldapp.auth.models import Role, User
from fieldapp.auth.service import issue_token
from fieldapp.extensions import db
from fieldapp.org.models import Township, Village
from fieldapp.timeutil import isoformat_local, utcnow

RUNS = 5


def _doctor() -> tuple[User, uuid.UUID]:
    """A fresh township, village and village doctor: the day's area."""
    tag = uuid.uuid4().hex[:8]
    township = Township(code=f"bd-{tag}", name=f"基准镇{tag}")
    db.session.add(township)
    db.session.flush()
    village = Village(code=f"bd-{tag}", name=f"基准村{tag}", township_id=township.id)
    db.session.add(village)
    db.session.flush()
    doctor = User(username=f"day-{tag}", password_hash="x", role=Role.VILLAGE_DOCTOR, township_id=township.id)
    doctor.villages = [village]
    db.session.add(doctor)
    db.session.commit()
    return doctor, village.id


def _body(response: Any) -> Any:
    """The JSON of an answer, gzip-compressed as a phone asks for it."""
    data = response.get_data()
    return json.loads(gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data)


class Phone:
    """A new doctor's phone, up to date with its area (the first, empty pull is not timed)."""

    def __init__(self, app: Flask) -> None:
        self.doctor, self.village_id = _doctor()
        raw, _token = issue_token(self.doctor)
        db.session.commit()
        self.client: FlaskClient = app.test_client()
        self.headers = {"Authorization": f"Bearer {raw}", "Accept-Encoding": "gzip"}
        self.cursor = self.push([], None)[0]["cursor"]

    def push(self, records: list[dict[str, Any]], cursor: str | None) -> tuple[dict[str, Any], float]:
        """One sync call: its answer and how long it took (seconds)."""
        started = time.perf_counter()
        response = self.client.post(
            "/api/v1/sync", json={"records": records, "since": cursor}, headers=self.headers
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"sync: {response.status_code} {response.get_data()[:300]!r}")
        return _body(response), elapsed


def _statuses(answer: dict[str, Any]) -> set[str]:
    return {result["status"] for result in answer["results"]}


def push_day(app: Flask) -> tuple[float, float]:
    """A day's push from a new doctor's phone, then its replay: the seconds each took."""
    phone = Phone(app)
    records = PhoneBatch([phone.village_id]).records()
    answer, pushed = phone.push(records, phone.cursor)
    again, replayed = phone.push(records, phone.cursor)
    if _statuses(answer) != {"created"} or _statuses(again) != {"unchanged"}:
        raise RuntimeError(f"offline day: {_statuses(answer)}, replayed {_statuses(again)}")
    return pushed, replayed


BACKLOG_RESIDENTS = 100
BACKLOG_DAYS = 10


def push_backlog(app: Flask) -> float:
    """1,000 follow-ups older than their enrollments' newest (stored two hours ago): the seconds."""
    phone = Phone(app)
    history = PhoneBatch([phone.village_id], residents=BACKLOG_RESIDENTS)
    bulk_insert(history.rows())
    now = utcnow()
    records = [
        {
            "type": "followup",
            "data": {
                "id": str(uuid.uuid4()),
                "resident_id": str(person.id),
                "condition": "hypertension",
                "performed_at": isoformat_local(now - timedelta(days=day, minutes=person.n)),
                "mode": "phone" if day % 3 == 0 else "home",
                "sbp": 128 + (day * 7 + person.n) % 40,
                "dbp": 82,
            },
        }
        for day in range(BACKLOG_DAYS, 0, -1)
        for person in history.people
    ]
    answer, elapsed = phone.push(records, phone.cursor)
    if _statuses(answer) != {"created"}:
        raise RuntimeError(f"backlog: {_statuses(answer)}")
    return elapsed


def _timed(action: Callable[[], Any]) -> tuple[list[Any], float]:
    """``RUNS`` results of ``action`` after a warm-up, and the peak heap (MB) of one more run."""
    action()
    results = [action() for _ in range(RUNS)]
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return results, round(peak / 2**20, 1)


def run(url: str, database: str = "postgresql") -> list[dict[str, Any]]:
    """The day's push, its replay, the backlog, and the bulk insert of the day's rows, on one database."""
    app = bench_app(url)
    with app.app_context():
        db.create_all()
        days, day_peak = _timed(lambda: push_day(app))
        sync = result_row(
            "sync push, realistic offline day (1,000 records)", database, [d[0] for d in days], 1000, day_peak
        )
        replay = result_row(
            "sync replay, the same day's 1,000 records", database, [d[1] for d in days], 1000, None
        )
        backlogs, backlog_peak = _timed(lambda: push_backlog(app))
        backlog = result_row(
            "sync push, 1,000 late follow-ups of 100 residents", database, backlogs, 1000, backlog_peak
        )

        def bulk() -> float:
            _doctor_row, village_id = _doctor()
            started = time.perf_counter()
            bulk_insert(PhoneBatch([village_id]).rows())
            return time.perf_counter() - started

        bulks, bulk_peak = _timed(bulk)
        floor = result_row("bare Core bulk insert, same day's 1,000 rows", database, bulks, 1000, bulk_peak)
        sync["note"] = f"{sync['median_ms'] / floor['median_ms']:.1f}x the bulk insert"
    return [sync, replay, backlog, floor]


if __name__ == "__main__":
    import os
    import sys

    from bench.run import _table

    target = os.environ.get("BENCH_DATABASE_URL") or sys.exit("set BENCH_DATABASE_URL")
    print(_table(run(target, "postgresql" if target.startswith("postgresql") else "sqlite")))
