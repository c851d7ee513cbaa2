"""Marshmallow building blocks shared by every area's schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from fieldapp.timeutil import as_utc, isoformat_local


class Instant(fields.DateTime):
    """An ISO 8601 instant; loads to aware UTC (naive is local time), dumps with the local offset."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
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
