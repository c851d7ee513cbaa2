"""Worker and scheduler commands: ``worker``, ``cron``, ``reminders scan``, ``referrals escalate``, ``verifications draw``."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from workers import jobs
from workers.periodic import EmbeddedScheduler
from workers.queues import QueueNames, enqueue, redis_connection

AT_OPTION = click.option(
    "--at", "at", default=None, help="Run as if now were this ISO 8601 instant (naive: local time)."
)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker on all of fieldapp's queues."""
    from rq import SimpleWorker

    if not current_app.config.get("REDIS_URL"):
        # Without Redis every job already ran in-process, so the queues are empty by design.
        if burst:
            click.echo("REDIS_URL is not set: jobs run in-process; no queue to work.")
            return
        raise click.ClickException("REDIS_URL is not set: jobs run in-process, no worker is needed.")
    # Jobs run in this process, inside this app context: one app, one connection pool,
    # no fork per job (the SMS throughput target needs that); RQ still enforces timeouts.
    # A long-running worker also moves due retries (RQ Retry waits) back onto their queues.
    SimpleWorker(QueueNames.all(), connection=redis_connection()).work(burst=burst, with_scheduler=not burst)


@click.command("cron")
@with_appcontext
def cron_command() -> None:
    """Run the periodic jobs: RQ's scheduler with Redis (``rq cron workers.cron``), else here."""
    from rq.cron import CronScheduler

    if not current_app.config.get("REDIS_URL"):
        _run_embedded_scheduler()
        return
    scheduler = CronScheduler(connection=redis_connection())
    scheduler.load_config_from_file("workers.cron")
    scheduler.start()


def _run_embedded_scheduler() -> None:
    """Without Redis: run the periodic jobs in this process until interrupted."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = EmbeddedScheduler(app, Path(app.instance_path) / "periodic.lock")
    click.echo("Periodic jobs run in this process (no REDIS_URL); Ctrl-C stops them.")
    try:
        scheduler.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()


def _run_or_enqueue(job: Callable[..., Any], at: str | None) -> None:
    """Without Redis run the job here and now; with it, hand it to the workers."""
    try:
        jobs.parse_at(at)
    except Exception as error:
        raise click.BadParameter(f"not an ISO 8601 time: {at}", param_hint="--at") from error
    if current_app.config.get("REDIS_URL"):
        enqueue(job, at, queue=QueueNames.PERIODIC)
        click.echo(f"Enqueued {job.__name__} on {QueueNames.PERIODIC}.")
        return
    with jobs.in_background():  # a command, not a user's request: its sends go in batches
        result = job(at)
    click.echo(json.dumps(result, ensure_ascii=False, default=str))


reminders_group = AppGroup("reminders", help="Reminder SMS to residents.")
referrals_group = AppGroup("referrals", help="Referral escalation.")
messages_group = AppGroup("messages", help="Outbound message housekeeping.")
verifications_group = AppGroup("verifications", help="The monthly verification sample.")


@reminders_group.command("scan")
@AT_OPTION
def reminders_scan_command(at: str | None) -> None:
    """Run the reminder scan now, as the scheduler would at that time."""
    _run_or_enqueue(jobs.reminder_scan_job, at)


@reminders_group.command("digest")
@AT_OPTION
def reminders_digest_command(at: str | None) -> None:
    """Push each doctor today's newly overdue follow-ups."""
    _run_or_enqueue(jobs.overdue_digest_job, at)


@referrals_group.command("escalate")
@AT_OPTION
def referrals_escalate_command(at: str | None) -> None:
    """Run the escalation check now, as the scheduler would at that time."""
    _run_or_enqueue(jobs.escalation_check_job, at)


@messages_group.command("release")
@AT_OPTION
def messages_release_command(at: str | None) -> None:
    """Send what quiet hours held, retry waits delayed or a Redis outage left queued."""
    _run_or_enqueue(jobs.release_messages_job, at)


@verifications_group.command("draw")
@AT_OPTION
def verifications_draw_command(at: str | None) -> None:
    """Draw last month's verification sample now (a month already drawn draws nothing)."""
    _run_or_enqueue(jobs.verification_draw_job, at)


def init_app(app: Flask) -> None:
    """Register the worker and scheduler commands."""
    for command in (
        worker_command,
        cron_command,
        reminders_group,
        referrals_group,
        messages_group,
        verifications_group,
    ):
        app.cli.add_command(command)
