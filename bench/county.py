"""The synthetic county the benchmark runs on: built once per size and database, then reused."""

from __future__ import annotations

import gc
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Index, select, text
from sqlalchemy.exc import DBAPIError

from fieldapp import create_app
from fieldapp.dbtypes import Counter
from fieldapp.demo import build_county
from fieldapp.extensions import db
from fieldapp.reports import counts

BENCH_DIR = Path(__file__).resolve().parent
SIZE_COUNTER = "bench_county_residents"
SCHEMA_COUNTER = "bench_county_schema"


def sqlite_url(residents: int) -> str:
    """The SQLite file of a county of this size."""
    return f"sqlite:///{BENCH_DIR / f'county-{residents}.sqlite'}"


def bench_app(database_url: str) -> Flask:
    """The fieldapp application on the benchmark's database (no Redis, SMS to the outbox), its
    objects made at start frozen out of the cycle collector's reach as ``wsgi.py`` does."""
    instance = Path(tempfile.gettempdir()) / "fieldapp-bench-instance"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            "REDIS_URL": None,
            "SMS_PROVIDER": "outbox",
        }
    )
    gc.freeze()
    return app


def schema_fingerprint() -> int:
    """A number that changes whenever a table, column or index of the models changes (a county
    built without an index the code now relies on would time the wrong plans)."""
    columns = sorted(f"{t.name}.{c.name}:{c.type}" for t in db.metadata.sorted_tables for c in t.columns)
    indexes = sorted(
        f"{t.name}.{i.name}:{[c.name for c in i.columns]}:{i.dialect_options['postgresql'].get('include')}"
        for t in db.metadata.sorted_tables
        for i in t.indexes
    )
    return int(hashlib.sha256("\n".join(columns + indexes).encode()).hexdigest()[:15], 16)


def built_county(app: Flask) -> tuple[int | None, int | None]:
    """The size and schema fingerprint of the county on this database, if one was built."""
    with app.app_context():
        try:
            marks = {
                name: value
                for name, value in db.session.execute(
                    select(Counter.name, Counter.value).where(
                        Counter.name.in_((SIZE_COUNTER, SCHEMA_COUNTER))
                    )
                )
            }
        except DBAPIError:  # no schema yet: nothing built
            return None, None
        return marks.get(SIZE_COUNTER), marks.get(SCHEMA_COUNTER)


# The biggest tables' plain (non-unique) indexes are built after their rows, by one sort
# each, instead of row by row as millions of rows go in (the county is the same).
DEFERRED_INDEX_TABLES = ("residents", "followups", "followup_medications")


def _deferred_indexes() -> list[Index]:
    return [
        index
        for table in db.metadata.sorted_tables
        if table.name in DEFERRED_INDEX_TABLES
        for index in table.indexes
        if not index.unique
    ]


def builder_jobs(residents: int) -> int:
    """Processes building a county side by side: one per million residents, up to four."""
    return max(1, min(4, residents // 1_000_000))


def build(database_url: str, residents: int, jobs: int = 1) -> None:
    """Drop everything, build the county, analyse the tables and mark the size."""
    app = bench_app(database_url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        deferred = _deferred_indexes() if db.engine.dialect.name == "postgresql" else []
        with db.engine.begin() as conn:
            for index in deferred:
                index.drop(conn)
            # The county is written in bulk without its kept counts, then counted once.
            counts.remove(conn)
        build_county(residents, jobs=jobs if db.engine.dialect.name == "postgresql" else 1)
        with db.engine.begin() as conn:
            conn.execute(text("SET maintenance_work_mem = '256MB'"))
            for index in deferred:
                index.create(conn)
            conn.execute(text("SET work_mem = '256MB'"))
            counts.install(conn)
        db.session.add_all(
            [
                Counter(name=SIZE_COUNTER, value=residents),
                Counter(name=SCHEMA_COUNTER, value=schema_fingerprint()),
            ]
        )
        db.session.commit()
    analyse(database_url)


def analyse(database_url: str) -> None:
    """Statistics for the planner and, on PostgreSQL, the visibility map a live database's
    autovacuum keeps (index-only scans read no table rows): ``VACUUM ANALYZE``, else ``ANALYZE``."""
    app = bench_app(database_url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))


def ensure_county(database_url: str, residents: int, database: str, rebuild: bool) -> dict[str, Any] | None:
    """Reuse the county of this size and schema, or build it in a child process and return the build's row."""
    if not rebuild and built_county(bench_app(database_url)) == (residents, schema_fingerprint()):
        return None
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "bench.county", database_url, str(residents)])
    _pid, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise RuntimeError(f"building the county failed (status {status})")
    elapsed_ms = (time.perf_counter() - started) * 1000
    return {
        "operation": f"build county ({residents:,} residents, demo-data)",
        "database": database,
        "median_ms": round(elapsed_ms, 1),
        "p95_ms": round(elapsed_ms, 1),
        "records_per_s": round(residents / (elapsed_ms / 1000), 1),
        "peak_mem_mb": round(usage.ru_maxrss / 1024, 1),
        "runs": 1,
    }


if __name__ == "__main__":
    build(
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]) if len(sys.argv) > 3 else builder_jobs(int(sys.argv[2])),
    )
