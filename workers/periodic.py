"""The periodic jobs, in one list with stable names (RQ's scheduler runs them: ``workers.cron``).

Without Redis (``make run``) ``flask cron`` runs them itself (``EmbeddedScheduler``), in
its own process beside the web server, each at most once per its interval; never inside a
user's request.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Flask

from workers import jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """A job run every ``interval_s`` seconds (or by ``cron``)."""

    name: str
    func: Callable[..., Any]
    interval_s: int
    # A cron line for RQ's scheduler instead of the interval (the embedded scheduler keeps the interval).
    cron: str | None = None


PERIODIC_JOBS = (
    PeriodicJob("fieldapp.escalation_check", jobs.escalation_check_job, 60),
    PeriodicJob("fieldapp.release_messages", jobs.release_messages_job, 60),
    PeriodicJob("fieldapp.reminder_scan", jobs.reminder_scan_job, 15 * 60),
    # Hourly; sends once a local day, from the opening of the send window.
    PeriodicJob("fieldapp.overdue_digest", jobs.overdue_digest_job, 60 * 60),
    # Hourly; each contract's invitation is made once, held for the send window when need be.
    PeriodicJob("fieldapp.contract_renewals", jobs.contract_renewal_job, 60 * 60),
    PeriodicJob("fieldapp.verification_expiry", jobs.verification_expiry_job, 60 * 60),
    # Every hour of the 1st: the first run draws last month, the others find it drawn.
    PeriodicJob("fieldapp.verification_draw", jobs.verification_draw_job, 60 * 60, cron="20 * 1 * *"),
)


class EmbeddedScheduler:
    """Runs the periodic jobs without Redis, in a process of its own (``flask cron``).

    An exclusive lock on a file in the instance folder makes it the only one: a second
    scheduler (another ``make run``, a restarted one) waits until the holder is gone, so
    no job runs twice at once. Users' requests never run a periodic job.
    """

    def __init__(self, app: Flask, lock_path: Path, jobs: tuple[PeriodicJob, ...] = PERIODIC_JOBS) -> None:
        self.app = app
        self.lock_path = lock_path
        self.jobs = jobs
        self._lock_file: IO[str] | None = None
        self._last_run: dict[str, float] = {}

    def holds_lock(self) -> bool:
        """Take the lock if it is free; True while this scheduler holds it."""
        if self._lock_file is not None:
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.lock_path.open("a")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def release(self) -> None:
        """Let another scheduler take over."""
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def tick(self, now: float | None = None) -> list[str]:
        """Run every job whose interval has passed (only while holding the lock); their names."""
        if not self.holds_lock():
            return []
        now = time.monotonic() if now is None else now
        ran = []
        for job in self.jobs:
            if now - self._last_run.get(job.name, -job.interval_s) < job.interval_s:
                continue
            self._last_run[job.name] = now
            ran.append(job.name)
            try:
                # A fresh session for each run; its sends batched, as on a worker.
                with self.app.app_context(), jobs.in_background():
                    job.func()
            except Exception:  # one failing job must not stop the others or the loop
                log.warning("periodic job %s failed", job.name, exc_info=True)
        return ran

    def run_forever(self, stop: threading.Event, poll_s: float = 5.0) -> None:
        """Tick until ``stop`` is set."""
        try:
            while not stop.is_set():
                self.tick()
                stop.wait(poll_s)
        finally:
            self.release()
