"""RQ queues and the one way fieldapp enqueues work."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, cast

from flask import current_app
from redis import Redis
from rq import Queue, Retry
from rq.job import Job as RQJob

from fieldapp.messaging.decisions import RULES

log = logging.getLogger(__name__)

ENQUEUE_BATCH = 1000  # jobs per Redis pipeline


class QueueNames:
    """Every queue a fieldapp worker listens on."""

    PERIODIC = "fieldapp-periodic"
    SMS = "fieldapp-sms"
    PUSH = "fieldapp-push"
    DEFAULT = "fieldapp-default"

    @classmethod
    def all(cls) -> list[str]:
        """In priority order: periodic scans, then sends."""
        return [cls.PERIODIC, cls.SMS, cls.PUSH, cls.DEFAULT]


def redis_connection() -> Redis:
    """The app's Redis connection for ``REDIS_URL`` (one pool per app)."""
    url = current_app.config["REDIS_URL"]
    cached = current_app.extensions.get("fieldapp_redis")
    if cached is None or cached[0] != url:
        connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        cached = current_app.extensions["fieldapp_redis"] = (url, connection)
    return cached[1]  # type: ignore[no-any-return]


def send_retry() -> Retry:
    """RQ's retry for sends: 5 tries in all, waiting longer each time (``SMS_RETRY_WAITS``)."""
    waits = list(current_app.config.get("SMS_RETRY_WAITS", RULES.retry_waits_s))
    return Retry(max=RULES.max_send_attempts - 1, interval=waits)


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    queue: str = QueueNames.DEFAULT,
    job_id: str | None = None,
    retry: Retry | None = None,
) -> None:
    """Run ``func(*args)`` on a worker, or at once in-process when no Redis is configured.

    Call only after the commit that made the rows the job reads.
    """
    if not current_app.config.get("REDIS_URL"):
        func(*args)
        return
    Queue(queue, connection=redis_connection()).enqueue(func, *args, job_id=job_id, retry=retry)


Job = Callable[..., Any] | str


def job_function(func: Job) -> Callable[..., Any]:
    """The function a job names: itself, or the one its dotted name (``workers.jobs.x``) names.

    Naming a job lets a service enqueue it without importing ``workers.jobs``, which imports
    the services back (RQ itself takes a job by its dotted name).
    """
    if not isinstance(func, str):
        return func
    module, _, name = func.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def enqueue_each(func: Job, args: Sequence[Any], *, queue: str, retry: Retry | None = None) -> None:
    """One job ``func(arg)`` per arg, in one Redis round trip; in-process without Redis.

    In-process, a failing job is logged and left to the periodic release job, as a
    worker would leave it to RQ's retry.
    """
    if not current_app.config.get("REDIS_URL"):
        run = job_function(func)
        for arg in args:
            try:
                run(arg)
            except Exception:
                log.warning(
                    "in-process job %s(%s) failed; left for the release job",
                    run.__name__,
                    arg,
                    exc_info=True,
                )
        return
    rq_queue = Queue(queue, connection=redis_connection())
    named = queue == QueueNames.SMS  # an SMS job is named after its message: see drop_sms_jobs
    for start in range(0, len(args), ENQUEUE_BATCH):
        rq_queue.enqueue_many(
            [
                Queue.prepare_data(
                    cast(Any, func), args=(arg,), retry=retry, job_id=sms_job_id(arg) if named else None
                )
                for arg in args[start : start + ENQUEUE_BATCH]
            ]
        )


def sms_job_id(message_id: str) -> str:
    """The RQ job id of a message's send job."""
    return f"fieldapp-sms-{message_id}"


def drop_sms_jobs(message_ids: Sequence[str]) -> None:
    """Delete the jobs of messages another job sent, in one round trip: a worker that pops
    the id of a job that no longer exists skips it (RQ does), so sending 50 messages in
    one job costs one job's overhead, not 50."""
    if current_app.config.get("REDIS_URL") and message_ids:
        redis_connection().delete(*(RQJob.key_for(sms_job_id(m)) for m in message_ids))
