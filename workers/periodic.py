"""The periodic jobs, in one list with stable names (RQ's scheduler runs them: ``workers.cron``).

Without Redis (``make run``) there is no scheduler: the same jobs then run in-process
after a request, each at most once per its interval, so the demo still reminds and
escalates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app

from workers import jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """A job run every ``interval_s`` seconds (or by ``cron``)."""

    name: str
    func: Callable[..., Any]
    interval_s: int
    # A cron line for RQ's scheduler instead of the interval (the in-process runner keeps the interval).
    cron: str | None = None


PERIODIC_JOBS = (
    PeriodicJob("fieldapp.escalation_check", jobs.escalation_check_job, 60),
    PeriodicJob("fieldapp.release_messages", jobs.release_messages_job, 60),
    PeriodicJob("fieldapp.reminder_scan", jobs.reminder_scan_job, 15 * 60),
    # Hourly; sends once a local day, from the opening of the send window.
    PeriodicJob("fieldapp.overdue_digest", jobs.overdue_digest_job, 60 * 60),
    PeriodicJob("fieldapp.verification_expiry", jobs.verification_expiry_job, 60 * 60),
    # Every hour of the 1st: the first run draws last month, the others find it drawn.
    PeriodicJob("fieldapp.verification_draw", jobs.verification_draw_job, 60 * 60, cron="20 * 1 * *"),
)

_last_run: dict[str, float] = {}


def run_due_in_process(_error: BaseException | None = None) -> None:
    """Without Redis and outside tests: run the periodic jobs whose interval has passed."""
    if current_app.config.get("REDIS_URL") or current_app.config.get("TESTING"):
        return
    now = time.monotonic()
    for job in PERIODIC_JOBS:
        if now - _last_run.get(job.name, -job.interval_s) < job.interval_s:
            continue
        _last_run[job.name] = now
        try:
            job.func()
        except Exception:
            log.warning("periodic job %s failed in-process", job.name, exc_info=True)
