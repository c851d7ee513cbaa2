"""The periodic jobs, registered with RQ's own scheduler: ``rq cron workers.cron``.

One list, stable names: the scheduler and the monitoring see the same ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rq import cron

from workers import jobs
from workers.queues import QueueNames


@dataclass(frozen=True)
class PeriodicJob:
    """A job RQ's scheduler enqueues every ``interval_s`` seconds."""

    name: str
    func: Callable[..., Any]
    interval_s: int


PERIODIC_JOBS = (
    PeriodicJob("fieldapp.escalation_check", jobs.escalation_check_job, 60),
    PeriodicJob("fieldapp.release_messages", jobs.release_messages_job, 60),
    PeriodicJob("fieldapp.reminder_scan", jobs.reminder_scan_job, 15 * 60),
    # Hourly; sends once a local day, from the opening of the send window.
    PeriodicJob("fieldapp.overdue_digest", jobs.overdue_digest_job, 60 * 60),
)

for periodic in PERIODIC_JOBS:
    cron.register(
        periodic.func,
        QueueNames.PERIODIC,
        interval=periodic.interval_s,
        name=periodic.name,
        job_timeout=max(periodic.interval_s, 300),
    )
