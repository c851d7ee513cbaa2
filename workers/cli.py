"""``flask --app fieldapp worker``: an RQ worker on every fieldapp queue."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from workers.queues import QueueNames, redis_connection


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker on all of fieldapp's queues."""
    from rq import Worker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run in-process, no worker is needed.")
    Worker(QueueNames.all(), connection=redis_connection()).work(burst=burst)


def init_app(app: Flask) -> None:
    """Register the worker commands."""
    app.cli.add_command(worker_command)
