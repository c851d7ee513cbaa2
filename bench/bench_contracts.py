"""Contract figures benchmarks, called by ``bench.run`` with each database's URL.

``GET /api/v1/reports/contracts`` through the whole Flask stack in-process (test client),
for the first township (as its manager) and for the whole county (as the county admin),
on the synthetic county (``demo-data`` contracts about 40 % of residents, with renewals,
expired and terminated contracts). Also runnable alone:
``python -m bench.bench_contracts DATABASE_URL [RESIDENTS]`` (builds the county when needed).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from typing import Any

from sqlalchemy import func, select

from bench.county import bench_app, ensure_county
from bench.results import result_row
from fieldapp.auth.models import User
from fieldapp.auth.service import issue_token
from fieldapp.contracts.models import Contract
from fieldapp.contracts.service import active_on_clause
from fieldapp.extensions import db
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today

TOWNSHIP_RUNS = 20
COUNTY_RUNS = 5


def _headers(username: str) -> tuple[User, dict[str, str]]:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise RuntimeError(f"the bench county has no user {username}")
    raw, _token = issue_token(user)
    db.session.commit()
    return user, {"Authorization": f"Bearer {raw}"}


def _timed(client: Any, path: str, headers: dict[str, str], runs: int) -> tuple[list[float], float]:
    def call() -> None:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")

    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return times, round(peak / 2**20, 1)


def run(database_url: str) -> list[dict[str, Any]]:
    """Contract figures of one township and of the county, timed."""
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    app = bench_app(database_url)
    rows = []
    with app.app_context():
        manager, as_manager = _headers("manager")
        _admin, as_admin = _headers("admin")
        today = local_today()
        residents = db.session.scalar(select(func.count()).select_from(Resident)) or 0
        contracted = db.session.scalar(
            select(func.count(func.distinct(Contract.resident_id))).where(active_on_clause(today))
        )
        note = f"{residents:,} residents, {contracted / max(1, residents):.0%} contracted"
        client = app.test_client()
        path = f"/api/v1/reports/contracts?on={today.isoformat()}"
        for operation, url, headers, runs in (
            (
                "contract figures, one township (HTTP in-process)",
                f"{path}&township_id={manager.township_id}",
                as_manager,
                TOWNSHIP_RUNS,
            ),
            ("contract figures, whole county (HTTP in-process)", path, as_admin, COUNTY_RUNS),
        ):
            times, peak = _timed(client, url, headers, runs)
            rows.append({**result_row(operation, database, times, None, peak), "note": note})
    return rows


if __name__ == "__main__":
    url = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
    built = ensure_county(url, size, "postgresql" if url.startswith("postgresql") else "sqlite", False)
    for row in ([built] if built else []) + run(url):
        print(row)
