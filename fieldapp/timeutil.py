"""Time helpers: UTC storage, local (deployment) dates and ISO 8601 output."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    """The deployment's time zone (``FIELDAPP_TIMEZONE``)."""
    name = DEFAULT_TIMEZONE
    if has_app_context():
        # The app itself, not an attribute through the proxy: a queue page asks ~200 times, and
        # ``current_app.config`` costs several times the rest of this function.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        name = app.config.get("FIELDAPP_TIMEZONE", DEFAULT_TIMEZONE)
    return ZoneInfo(name)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive value is taken as local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    """Return ``value`` in the deployment's time zone."""
    return as_utc(value).astimezone(local_zone())


def local_date(value: datetime) -> date:
    """The local calendar date of an instant."""
    return to_local(value).date()


def local_today(now: datetime | None = None) -> date:
    """Today's local date, as of ``now`` (default: the real now)."""
    return local_date(now or utcnow())


def isoformat_local(value: datetime | None) -> str | None:
    """ISO 8601 with the local offset, e.g. ``2026-11-22T09:30:00+08:00``."""
    if value is None:
        return None
    return to_local(value).isoformat(timespec="seconds")
