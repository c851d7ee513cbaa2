"""A realistic offline day pushed in one sync, called by ``bench.run`` with each database's URL.

A village doctor's day away from the network: 250 new residents, each enrolled, each with two
follow-ups (the visit, then a recheck an hour later): 1,000 records in one ``POST /api/v1/sync``.
Timed in-process through the test client from a device that is up to date, beside a bare Core
bulk insert of the same rows in the same run (the floor: no validation, no rules, no audit).
Each run uses a fresh small area of its own, so the county's size does not enter the figure.
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert

from bench.county import bench_app
from bench.results import result_row
from fieldapp.auth.models import Role, User
from fieldapp.auth.service import issue_token
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.org.models import Township, Village
from fieldapp.residents.models import Resident
from fieldapp.timeutil import isoformat_local, local_today, utcnow

RESIDENTS = 250
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


def day_records(village_id: uuid.UUID) -> list[dict[str, Any]]:
    """The day as the phone sends it: each resident, their enrollment, two follow-ups, in typed order."""
    today = local_today()
    first, recheck = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2)
    records: list[dict[str, Any]] = []
    for n in range(RESIDENTS):
        resident_id = str(uuid.uuid4())
        records.append(
            {
                "type": "resident",
                "data": {
                    "id": resident_id,
                    "name": "新建居民",
                    "sex": "F" if n % 2 else "M",
                    "birth_date": f"195{n % 10}-04-0{1 + n % 9}",
                    "village_id": str(village_id),
                    "sms_consent": True,
                },
            }
        )
        records.append(
            {
                "type": "enrollment",
                "data": {
                    "id": str(uuid.uuid4()),
                    "resident_id": resident_id,
                    "condition": "hypertension",
                    "diagnosed_on": str(today - timedelta(days=30)),
                },
            }
        )
        for at, sbp in ((first, 150 + n % 30), (recheck, 135 + n % 10)):
            records.append(
                {
                    "type": "followup",
                    "data": {
                        "id": str(uuid.uuid4()),
                        "resident_id": resident_id,
                        "condition": "hypertension",
                        "performed_at": isoformat_local(at),
                        "mode": "home",
                        "sbp": sbp,
                        "dbp": 85,
                    },
                }
            )
    return records


def day_rows(village_id: uuid.UUID) -> list[tuple[Any, list[dict[str, Any]]]]:
    """The same day as table rows, with what the server computes filled in."""
    today, now = local_today(), datetime.now(UTC)
    stamp = {"change_seq": 1, "created_at": now, "updated_at": now}
    residents, enrollments, followups = [], [], []
    for n in range(RESIDENTS):
        resident_id, enrollment_id = uuid.uuid4(), uuid.uuid4()
        residents.append(
            {
                "id": resident_id,
                "name": "新建居民",
                "sex": "F",
                "birth_date": date(1950 + n % 10, 4, 1 + n % 9),
                "village_id": village_id,
                "sms_consent": True,
                "opted_out": False,
                "phone_invalid": False,
                "language": "zh",
                **stamp,
            }
        )
        enrollments.append(
            {
                "id": enrollment_id,
                "resident_id": resident_id,
                "village_id": village_id,
                "condition": "hypertension",
                "status": "active",
                "diagnosed_on": today - timedelta(days=30),
                "enrolled_on": today,
                "next_due_on": today + timedelta(days=14),
                **stamp,
            }
        )
        for hours in (3, 2):
            followups.append(
                {
                    "id": uuid.uuid4(),
                    "enrollment_id": enrollment_id,
                    "resident_id": resident_id,
                    "condition": "hypertension",
                    "performed_at": now - timedelta(hours=hours),
                    "mode": "home",
                    "sbp": 150,
                    "dbp": 85,
                    "danger_signs": [],
                    "adverse_reaction": False,
                    "new_complication": False,
                    "classification": "uncontrolled",
                    "urgent_referral": False,
                    "referral_recommended": hours == 2,
                    "next_due_on": today + timedelta(days=14),
                    **stamp,
                }
            )
    return [(Resident, residents), (Enrollment, enrollments), (FollowUp, followups)]


def _time(action: Any) -> tuple[list[float], float]:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return times, round(peak / 2**20, 1)


def _body(response: Any) -> Any:
    """The JSON of an answer, gzip-compressed as a phone asks for it."""
    data = response.get_data()
    return json.loads(gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data)


def _push_day(app: Flask) -> None:
    """One day from a new doctor whose phone is up to date (the first, empty pull is not timed)."""
    doctor, village_id = _doctor()
    raw, _token = issue_token(doctor)
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}", "Accept-Encoding": "gzip"}
    cursor = _body(client.post("/api/v1/sync", json={"records": []}, headers=headers))["cursor"]
    records = day_records(village_id)
    started = time.perf_counter()
    response = client.post("/api/v1/sync", json={"records": records, "since": cursor}, headers=headers)
    _push_day.last = time.perf_counter() - started  # type: ignore[attr-defined]
    statuses = {result["status"] for result in _body(response)["results"]}
    if response.status_code != 200 or statuses != {"created"}:
        raise RuntimeError(f"offline day: {response.status_code} {statuses}")


def run(url: str, database: str = "postgresql") -> list[dict[str, Any]]:
    """The day's push and the bulk insert of the same rows, on one database."""
    app = bench_app(url)
    with app.app_context():
        db.create_all()
        pushes: list[float] = []

        def push() -> None:
            _push_day(app)
            pushes.append(_push_day.last)  # type: ignore[attr-defined]

        _push_day(app)  # warm-up
        _times, push_peak = _time(push)
        sync = result_row(
            "sync push, realistic offline day (1,000 records)", database, pushes[:RUNS], 1000, push_peak
        )

        def bulk() -> None:
            _doctor_row, village_id = _doctor()
            with db.engine.begin() as conn:
                for model, rows in day_rows(village_id):
                    conn.execute(insert(model.__table__), rows)

        bulk_times, bulk_peak = _time(bulk)
        floor = result_row(
            "bare Core bulk insert, same day's 1,000 rows", database, bulk_times, 1000, bulk_peak
        )
        sync["note"] = f"{sync['median_ms'] / floor['median_ms']:.1f}x the bulk insert"
    return [sync, floor]


if __name__ == "__main__":
    import os
    import sys

    from bench.run import _table

    target = os.environ.get("BENCH_DATABASE_URL") or sys.exit("set BENCH_DATABASE_URL")
    print(_table(run(target, "postgresql" if target.startswith("postgresql") else "sqlite")))
