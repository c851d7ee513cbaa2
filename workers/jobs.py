"""RQ jobs: thin, take ids, re-read their rows, return early when the work is done.

Every job runs inside the Flask app context. A worker started by ``flask worker``
has one pushed already; a plain ``rq worker`` gets one app per process, built on
the first job (never at import time).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from flask import Flask, has_app_context
from rq import get_current_job

from fieldapp.extensions import db
from fieldapp.messaging import clock
from fieldapp.messaging.clock import frozen_at
from fieldapp.schemas import Instant, naive_times_as_local

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
_process_app: dict[str, Flask] = {}
SEND_BATCH = 50  # messages one SMS job may send (one claim, one write of the results)
# Set while a job runs outside any user's request without RQ: the embedded scheduler
# (``flask cron``) or a command. Its SMS jobs then send in batches as a worker's do.
_in_background: contextvars.ContextVar[bool] = contextvars.ContextVar("fieldapp_in_background", default=False)


@contextlib.contextmanager
def in_background() -> Iterator[None]:
    """Run the jobs called inside as a worker would (no user waits for them)."""
    token = _in_background.set(True)
    try:
        yield
    finally:
        _in_background.reset(token)


def _send_batch() -> int:
    """How many messages one SMS job sends: a batch on a worker or in the background; only its
    own inside a user's request (which must not wait for other messages' sends)."""
    return SEND_BATCH if get_current_job() is not None or _in_background.get() else 1


def _app() -> Flask:
    if "app" not in _process_app:
        from fieldapp import create_app

        _process_app["app"] = create_app()
    return _process_app["app"]


def _finish_job() -> None:
    from fieldapp.messaging.service import dispatch_pending

    dispatch_pending()
    if get_current_job() is not None:
        # A worker runs many jobs in one context: start each with a fresh session.
        db.session.remove()


def in_app_context(func: F) -> F:
    """Run the job inside the app context (the worker's, or one per process)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            try:
                return func(*args, **kwargs)
            finally:
                _finish_job()
        with _app().app_context():
            try:
                return func(*args, **kwargs)
            finally:
                _finish_job()

    return wrapper  # type: ignore[return-value]


def parse_at(at: str | None) -> datetime | None:
    """``--at`` (ISO 8601; naive means local time) as an aware UTC instant."""
    with naive_times_as_local():
        return Instant().deserialize(at) if at else None


@in_app_context
def send_sms_job(message_id: str) -> str:
    """Send one SMS."""
    from fieldapp.messaging.service import send_message

    # On a worker, one job sends a batch of the messages waiting (their jobs are dropped).
    return send_message(uuid.UUID(message_id), batch=_send_batch())


@in_app_context
def send_push_job(delivery_id: int) -> str:
    """Send one push notification to each of a user's devices."""
    from fieldapp.messaging.service import send_push_delivery

    return send_push_delivery(delivery_id)


@in_app_context
def reminder_scan_job(at: str | None = None) -> dict[str, int]:
    """The reminder scan: reminders, overdue notices, patrol notices, held messages."""
    from fieldapp.messaging.reminders import scan

    with frozen_at(parse_at(at)):
        return scan().as_dict()


@in_app_context
def escalation_check_job(at: str | None = None) -> Any:
    """Escalate pending referrals past their deadlines."""
    from fieldapp.referrals.service import escalate_due_referrals

    with frozen_at(parse_at(at)):
        return escalate_due_referrals(clock.now())


@in_app_context
def release_messages_job(at: str | None = None) -> int:
    """Enqueue messages whose quiet-hours hold or retry wait ended, or whose dispatch was lost."""
    from fieldapp.messaging.service import release_due

    with frozen_at(parse_at(at)):
        return release_due()


@in_app_context
def overdue_digest_job(at: str | None = None) -> int:
    """Push each doctor how many follow-ups fell overdue today (once a day)."""
    from fieldapp.messaging.reminders import push_overdue_digests

    with frozen_at(parse_at(at)):
        return push_overdue_digests()


@in_app_context
def contract_renewal_job(at: str | None = None) -> int:
    """Invite residents whose family-doctor contract ends within 30 days to renew (once each)."""
    from fieldapp.contracts.renewals import scan_renewals

    with frozen_at(parse_at(at)):
        return scan_renewals()


def import_job(import_id: str) -> str:
    """Import an uploaded register file (a run that finished already is left alone)."""
    from fieldapp.imports.service import run_import

    return str(run_import(uuid.UUID(import_id)).status)


@in_app_context
def verification_draw_job(at: str | None = None) -> dict[str, Any]:
    """Draw last month's verification sample and ask it by SMS (once a month; a re-run draws nothing)."""
    from fieldapp.verifications.service import draw_month

    with frozen_at(parse_at(at)):
        return draw_month()


@in_app_context
def verification_expiry_job(at: str | None = None) -> int:
    """Verification questions unanswered for 7 days become ``no_answer``."""
    from fieldapp.verifications.service import expire_questions

    with frozen_at(parse_at(at)):
        return expire_questions()
