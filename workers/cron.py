"""RQ's scheduler configuration: ``rq cron workers.cron`` (or ``flask --app fieldapp cron``)."""

from __future__ import annotations

from rq import cron

from workers.periodic import PERIODIC_JOBS
from workers.queues import QueueNames

for periodic in PERIODIC_JOBS:
    cron.register(
        periodic.func,
        QueueNames.PERIODIC,
        interval=None if periodic.cron else periodic.interval_s,
        cron=periodic.cron,
        name=periodic.name,
        job_timeout=max(periodic.interval_s, 300),
    )
