"""``make bench`` (``python -m bench.run``): time fieldapp's hot paths on a synthetic county.

See ``bench/__init__.py`` for what is measured and how.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
from flask import Flask
from sqlalchemy import select

from bench.batches import PhoneBatch, bulk_insert
from bench.bench_contracts import run as contract_benchmarks
from bench.county import BENCH_DIR, bench_app, ensure_county, sqlite_url
from bench.forms import full_form
from bench.results import result_row
from bench.server import http_throughput
from fieldapp.auth.models import User
from fieldapp.auth.service import issue_token
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.timeutil import isoformat_local, local_today, utcnow

RESULTS = BENCH_DIR / "results.json"
TARGETS = {
    "queue page": "p95 <= 50 ms",
    "indicators, one township-year": "p95 <= 300 ms",
    "indicators, whole county": "<= 2 s",
    "contract figures, one township": "p95 <= 300 ms",
    "contract figures, whole county": "<= 2 s",
    "sync push, 1,000 records": "<= 2 s and <= 5x bulk",
    "sync push, realistic offline day": "<= 1 s and <= 5x bulk",
    "field app over 2G: first sync": "<= 30 s",
    "field app over 2G: daily sync": "<= 5 s",
    "sync push, 1,000 full-form": "<= 2 s",
    "POST followup, full form": "<= 2x first edition",
    "POST /api/v1/followups": ">= 50% of GET /me rps",
    "import 100,000 rows": "<= 60 s, flat memory",
    "re-import the same 100,000 rows": "<= 30 s",
}


def measure(
    operation: str, database: str, action: Callable[[], object], runs: int, records: int | None = None
) -> dict[str, Any]:
    """Time ``action`` ``runs`` times after one warm-up, then once more under tracemalloc for memory."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result_row(operation, database, times, records, round(peak / 2**20, 1))


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise RuntimeError(f"the bench county has no user {username}")
    return user


def _bearer(user: User) -> dict[str, str]:
    raw, _token = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def _get(app: Flask, path: str, headers: dict[str, str]) -> Callable[[], object]:
    client = app.test_client()

    def call() -> object:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return response

    return call


def _sync_push(app: Flask, batch: PhoneBatch, headers: dict[str, str]) -> Callable[[], object]:
    """Pushes from a device that is up to date: each sends the cursor its previous answer gave."""
    client = app.test_client()
    position: dict[str, str | None] = {"cursor": None}

    def call(records: list[dict[str, Any]]) -> dict[str, Any]:
        response = client.post(
            "/api/v1/sync", json={"records": records, "since": position["cursor"]}, headers=headers
        )
        body: dict[str, Any] = response.get_json(silent=True) or {}
        statuses = {result.get("status") for result in body.get("results", [])}
        if response.status_code != 200 or statuses - {"created"}:
            raise RuntimeError(f"sync push: {response.status_code} {response.get_data(as_text=True)[:300]}")
        position["cursor"] = body["cursor"]
        return body

    while call([]).get("more"):  # the device's first, full pull: not timed
        continue
    return lambda: call(batch.records())


def followup_residents(user: User, limit: int) -> list[uuid.UUID]:
    """Residents of the user's villages with an active hypertension enrollment."""
    return list(
        db.session.scalars(
            select(Enrollment.resident_id)
            .where(
                Enrollment.village_id.in_(user.village_ids),
                Enrollment.status == "active",
                Enrollment.condition == "hypertension",
            )
            .limit(limit)
        )
    )


def _followup_posts(
    app: Flask, user: User, headers: dict[str, str], form: dict[str, Any]
) -> Callable[[], object]:
    """One new follow-up a call (``POST /api/v1/followups``), each a second before the last."""
    client = app.test_client()
    residents = itertools.cycle(followup_residents(user, 200))
    clock = itertools.count(1)

    def call() -> object:
        body = {
            "resident_id": str(next(residents)),
            "condition": "hypertension",
            "performed_at": isoformat_local(utcnow() - timedelta(days=1, seconds=next(clock))),
            "mode": "clinic",
            "sbp": 128,
            "dbp": 78,
            **form,
        }
        response = client.post("/api/v1/followups", json=body, headers=headers)
        if response.status_code != 201:
            raise RuntimeError(
                f"followup POST: {response.status_code} {response.get_data(as_text=True)[:300]}"
            )
        return response

    return call


def _followup_sync(app: Flask, user: User, headers: dict[str, str], size: int = 1000) -> Callable[[], object]:
    """A sync push of ``size`` full-form follow-ups of the user's residents (the cursor kept up to date)."""
    client = app.test_client()
    residents = followup_residents(user, size)
    clock = itertools.count(1)
    position: dict[str, str | None] = {"cursor": None}

    def call(records: list[dict[str, Any]]) -> dict[str, Any]:
        response = client.post(
            "/api/v1/sync", json={"records": records, "since": position["cursor"]}, headers=headers
        )
        body: dict[str, Any] = response.get_json(silent=True) or {}
        if response.status_code != 200 or {r.get("status") for r in body.get("results", [])} - {"created"}:
            raise RuntimeError(f"sync push: {response.status_code} {response.get_data(as_text=True)[:300]}")
        position["cursor"] = body["cursor"]
        return body

    while call([]).get("more"):
        continue

    start = utcnow() - timedelta(minutes=1)

    def push() -> object:
        # In the order they were recorded, as a phone sends them, each run after the last.
        base = next(clock) * size
        records = [
            {
                "type": "followup",
                "data": {
                    "id": str(uuid.uuid4()),
                    "resident_id": str(residents[n % len(residents)]),
                    "condition": "hypertension",
                    "performed_at": isoformat_local(start + timedelta(milliseconds=base + n)),
                    "mode": "home",
                    "sbp": 120 + n % 40,
                    "dbp": 80,
                    **full_form(),
                },
            }
            for n in range(size)
        ]
        return call(records)

    return push


def _bulk_insert(batch: PhoneBatch) -> Callable[[], object]:
    return lambda: bulk_insert(batch.rows())


# The groups of operations ``--only-parts`` may pick (default: all of them).
PARTS = ("queues", "indicators", "contracts", "writes", "others")


def bench_database(
    database: str, url: str, residents: int, runs: int, rebuild: bool, parts: tuple[str, ...] = PARTS
) -> list[dict[str, Any]]:
    """The chosen operations (default every one) on one database, building the county first when needed."""
    results = []
    built = ensure_county(url, residents, database, rebuild)
    if built is not None:
        results.append(built)
    app = bench_app(url)
    with app.app_context():
        manager, admin, village = _user("manager"), _user("admin"), _user("village")
        township_id, year = manager.township_id, local_today().year
        as_manager, as_admin, as_village = _bearer(manager), _bearer(admin), _bearer(village)
        if "queues" in parts:
            queue = f"/api/v1/queue?status=overdue&township_id={township_id}&per_page=50"
            results.append(
                measure("queue page (HTTP in-process)", database, _get(app, queue, as_manager), runs * 3)
            )
            for status in ("screening", "health_check"):
                path = f"/api/v1/queue?status={status}&township_id={township_id}&per_page=50"
                results.append(
                    measure(
                        f"queue page, {status} (HTTP in-process)",
                        database,
                        _get(app, path, as_manager),
                        runs * 3,
                    )
                )
        if "indicators" in parts:
            indicators = f"/api/v1/reports/indicators?year={year}"
            results.append(
                measure(
                    "indicators, one township-year (HTTP in-process)",
                    database,
                    _get(app, f"{indicators}&township_id={township_id}", as_manager),
                    runs,
                )
            )
            results.append(
                measure(
                    "indicators, whole county (HTTP in-process)",
                    database,
                    _get(app, indicators, as_admin),
                    max(3, runs // 4),
                )
            )
        if "writes" not in parts:
            return results + (contract_benchmarks(url) if "contracts" in parts else [])
        # A resident, their enrollment, a full-form follow-up and a visit, 250 times.
        batch = PhoneBatch(village.village_ids, hours_ago=(1,), form=full_form(), visit=True)
        sync = measure(
            "sync push, 1,000 records (HTTP in-process)",
            database,
            _sync_push(app, batch, as_village),
            5,
            1000,
        )
        bulk = measure("bare Core bulk insert, same 1,000 rows", database, _bulk_insert(batch), 5, 1000)
        sync["note"] = f"{sync['median_ms'] / bulk['median_ms']:.1f}x the bulk insert"
        results += [sync, bulk]
        results.append(
            measure(
                "sync push, 1,000 full-form follow-ups (HTTP in-process)",
                database,
                _followup_sync(app, village, as_village),
                3,
                1000,
            )
        )
        first = measure(
            "POST followup, first edition (in-process)",
            database,
            _followup_posts(app, village, as_village, {}),
            runs * 3,
        )
        full = measure(
            "POST followup, full form (in-process)",
            database,
            _followup_posts(app, village, as_village, full_form()),
            runs * 3,
        )
        full["note"] = f"{full['median_ms'] / first['median_ms']:.2f}x the first edition's"
        results += [first, full]
        results += http_throughput(app, database, url, writer_username="doctor")
    if "contracts" in parts:
        results += contract_benchmarks(url)
    if "others" not in parts:
        return results
    if importlib.util.find_spec("bench.bench_messaging") is not None:
        results += importlib.import_module("bench.bench_messaging").run(url)
    results += importlib.import_module("bench.bench_offline_day").run(url, database)
    results += importlib.import_module("bench.bench_field_2g").run(url, database)
    if database == "postgresql":
        from bench.bench_imports import run as bench_imports

        results += bench_imports(url)
    return results


def _target(operation: str) -> str:
    return next((target for prefix, target in TARGETS.items() if operation.startswith(prefix)), "")


def _table(rows: list[dict[str, Any]]) -> str:
    columns = (
        "operation",
        "database",
        "median_ms",
        "p95_ms",
        "records_per_s",
        "peak_mem_mb",
        "target",
        "note",
    )
    rows = [{**row, "target": _target(row["operation"])} for row in rows]
    cells = [[("" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark on SQLite and, with ``BENCH_DATABASE_URL``, on PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each read")
    parser.add_argument("--rebuild", action="store_true", help="build the county again even if one exists")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument(
        "--only-parts",
        default=",".join(PARTS),
        help=f"comma-separated groups of operations to time, of {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="PostgreSQL: then issue 17's figures and plans (bench.scale) and the crowd (bench.crowd)",
    )
    parser.add_argument(
        "--scale-only", action="store_true", help="build or reuse the county, then only --scale"
    )
    args = parser.parse_args()
    parts = tuple(part.strip() for part in args.only_parts.split(",") if part.strip())
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    targets = []
    if args.only != "postgresql":
        targets.append(("sqlite", sqlite_url(args.residents)))
    if os.environ.get("BENCH_DATABASE_URL") and args.only != "sqlite":
        targets.append(("postgresql", os.environ["BENCH_DATABASE_URL"]))
    results: list[dict[str, Any]] = []
    for database, url in targets:
        if args.scale_only:
            if database == "postgresql":
                ensure_county(url, args.residents, database, args.rebuild)
            continue
        results += bench_database(database, url, args.residents, args.runs, args.rebuild, parts)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if results:
        click.echo(_table(results))
    if (args.scale or args.scale_only) and os.environ.get("BENCH_DATABASE_URL"):
        url = os.environ["BENCH_DATABASE_URL"]
        plans = BENCH_DIR / f"plans-{args.residents}.txt"
        subprocess.run([sys.executable, "-m", "bench.scale", url, "--plans", str(plans)], check=True)
        crowd = BENCH_DIR / f"crowd-{args.residents}.json"
        subprocess.run([sys.executable, "-m", "bench.crowd", url, "--out", str(crowd)], check=True)


if __name__ == "__main__":
    main()
