"""The SQL statements of one request, counted and timed, with the plans of the slow ones (PostgreSQL).

``python -m bench.explain DATABASE_URL USERNAME PATH [--over MS]`` runs ``GET PATH`` as
``USERNAME`` through the whole Flask stack in-process, records every statement it sends, then
runs each again under ``EXPLAIN (ANALYZE, BUFFERS)`` with the same parameters and prints the
count, each statement's time, and the plan of each statement slower than ``--over`` (100 ms).
``--post JSON`` sends ``POST PATH`` with that body instead. Requests that read only (a sync
pull without records writes nothing but its audit entry): the statements run again. E.g.::

    python -m bench.explain postgresql+psycopg://postgres@127.0.0.1/bench manager \\
        "/api/v1/reports/indicators?year=2026"
    python -m bench.explain postgresql+psycopg://postgres@127.0.0.1/bench doctor \\
        /api/v1/sync --post '{"records": [], "since": null}'
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from sqlalchemy import event, select

from bench.county import bench_app
from fieldapp.auth.models import User
from fieldapp.auth.service import issue_token
from fieldapp.extensions import db


def main() -> None:
    """Count, time and explain the statements of one GET."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database_url")
    parser.add_argument("username")
    parser.add_argument("path")
    parser.add_argument("--post", metavar="JSON", help="send POST PATH with this body (else GET PATH)")
    parser.add_argument("--over", type=float, default=100.0, help="explain statements slower than this (ms)")
    parser.add_argument("--all", action="store_true", help="print every statement's plan")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a setting for the explained runs"
    )
    args = parser.parse_args()
    app = bench_app(args.database_url)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == args.username))
        if user is None:
            raise SystemExit(f"no user {args.username}")
        raw, _token = issue_token(user)
        db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {raw}"}
        body = None if args.post is None else json.loads(args.post)
        method = "GET" if body is None else "POST"

        def send() -> Any:
            return client.open(args.path, method=method, json=body, headers=headers)

        send()  # warm: caches, the token's first use
        statements: list[tuple[str, Any]] = []

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
            statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        started = time.perf_counter()
        response = send()
        elapsed = (time.perf_counter() - started) * 1000
        event.remove(db.engine, "before_cursor_execute", record)
        print(f"{method} {args.path}: {response.status_code}, {elapsed:.0f} ms, {len(statements)} statements")
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for assignment in args.set:
                name, value = assignment.split("=", 1)
                cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
            for n, (statement, parameters) in enumerate(statements, start=1):
                head = statement.lstrip().split(None, 1)[0].upper()
                if head not in ("SELECT", "WITH"):
                    print(f"\n#{n} (not explained: {head})")
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
                plan = [row[0] for row in cursor.fetchall()]
                took = next((line for line in reversed(plan) if line.startswith("Execution Time")), "")
                ms = float(took.split(":")[1].split()[0]) if took else 0.0
                print(f"\n#{n}: {ms:.1f} ms  {' '.join(statement.split())[:160]}")
                if args.all or ms > args.over:
                    print(statement)
                    print("\n".join(plan))
            connection.rollback()
        finally:
            connection.close()


if __name__ == "__main__":
    main()
