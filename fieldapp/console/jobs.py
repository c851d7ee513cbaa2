"""The job queues and failed jobs, read through RQ's own registries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from workers.queues import QueueNames, redis_connection

FAILED_SHOWN = 20


@dataclass(frozen=True)
class FailedJob:
    """A job that failed, with the last line of its error."""

    id: str
    func: str
    ended_at: datetime | None
    error: str


@dataclass(frozen=True)
class QueueState:
    """How much work one queue holds."""

    name: str
    queued: int
    started: int
    scheduled: int
    failed: int
    failed_jobs: list[FailedJob] = field(default_factory=list)


def last_error(job: Job) -> str:
    """The last line of the job's latest traceback (the exception and its message)."""
    result = job.latest_result()
    lines = (result.exc_string or "").strip().splitlines() if result else []
    return lines[-1] if lines else ""


def queue_states() -> list[QueueState] | None:
    """Every fieldapp queue's counts and latest failures; None when Redis is not configured."""
    if not current_app.config.get("REDIS_URL"):
        return None
    connection = redis_connection()
    states = []
    for name in QueueNames.all():
        queue = Queue(name, connection=connection)
        failed = FailedJobRegistry(queue=queue)
        ids = failed.get_job_ids(0, FAILED_SHOWN - 1)
        jobs = [job for job in Job.fetch_many(ids, connection=connection) if job is not None]
        states.append(
            QueueState(
                name=name,
                queued=queue.count,
                started=StartedJobRegistry(queue=queue).count,
                scheduled=ScheduledJobRegistry(queue=queue).count,
                failed=failed.count,
                failed_jobs=[
                    FailedJob(job.id, job.func_name or "", job.ended_at, last_error(job)) for job in jobs
                ],
            )
        )
    return states
