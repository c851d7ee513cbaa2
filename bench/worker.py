"""An RQ worker for the benchmarks: ``python -m bench.worker DATABASE_URL REDIS_URL [AT]``.

What ``flask worker`` runs (a ``SimpleWorker`` on every fieldapp queue, jobs in this
process's app context), with SMS to the outbox, never a real provider, and the
messaging clock held at ``AT`` (ISO 8601) so sends fall inside the daytime window
whatever the hour the benchmark runs at.
"""

from __future__ import annotations

import logging
import sys

from rq import SimpleWorker

from bench.county import bench_app
from fieldapp.messaging.clock import frozen_at
from workers.jobs import parse_at
from workers.queues import QueueNames, redis_connection


def main() -> None:
    """Work the queues until stopped (SIGTERM: RQ's warm shutdown)."""
    database_url, redis_url = sys.argv[1], sys.argv[2]
    at = sys.argv[3] if len(sys.argv) > 3 else None
    logging.basicConfig(level=logging.WARNING)
    app = bench_app(database_url)
    app.config["REDIS_URL"] = redis_url
    with app.app_context(), frozen_at(parse_at(at)):
        SimpleWorker(QueueNames.all(), connection=redis_connection()).work(
            with_scheduler=False, logging_level="WARNING"
        )


if __name__ == "__main__":
    main()
