"""Marshmallow building blocks shared by every area's schemas."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from fieldapp.timeutil import as_utc, isoformat_local

# API.md: times carry an offset. Only the console's forms (a browser's datetime-local
# input has none) may send a naive time, taken as the deployment's local time.
_NAIVE_IS_LOCAL: ContextVar[bool] = ContextVar("naive_is_local", default=False)


@contextmanager
def naive_times_as_local() -> Iterator[None]:
    """Inside the block, an Instant without an offset is local time instead of an error."""
    token = _NAIVE_IS_LOCAL.set(True)
    try:
        yield
    finally:
        _NAIVE_IS_LOCAL.reset(token)


class Instant(fields.DateTime):
    """An ISO 8601 instant with an offset; loads to aware UTC, dumps with the local offset."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None and not _NAIVE_IS_LOCAL.get():
            raise ValidationError("must carry a UTC offset (e.g. 2026-11-22T09:30:00+08:00)")
        return as_utc(parsed)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return isoformat_local(value)


def without_nulls(data: Any, names: tuple[str, ...]) -> Any:
    """Optional fields sent as ``null`` are taken as not sent (their defaults apply, same body)."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if not (v is None and k in names)}
    return data


class StrictSchema(Schema):
    """Unknown fields are an error, so a typo never silently drops data."""

    class Meta:
        unknown = "raise"


class PageSchema(Schema):
    """The paging envelope of list answers."""

    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class QueryPageSchema(Schema):
    """``page`` and ``per_page`` of a list."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 10**6))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))
