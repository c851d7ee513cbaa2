"""The messaging clock: the real time, or the instant ``--at`` (or a test) sets.

A scan run ``--at`` 09:00 sends what it queues in-process at 09:00 too, so quiet
hours and holds follow the clock the operator chose. Jobs on a worker run at real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from fieldapp.timeutil import utcnow

_frozen: ContextVar[datetime | None] = ContextVar("fieldapp_messaging_clock", default=None)


def now() -> datetime:
    """The instant messaging decisions take as now."""
    return _frozen.get() or utcnow()


@contextmanager
def frozen_at(instant: datetime | None) -> Iterator[None]:
    """Within the block, :func:`now` is ``instant`` (None: the real time)."""
    token = _frozen.set(instant)
    try:
        yield
    finally:
        _frozen.reset(token)
