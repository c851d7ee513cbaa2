"""RQ queues and the one way fieldapp enqueues work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from redis import Redis
from rq import Queue, Retry

log = logging.getLogger(__name__)


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
    """A Redis connection for ``REDIS_URL``."""
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)


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
