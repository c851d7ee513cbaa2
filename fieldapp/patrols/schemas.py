"""Patrols as API.md reads and writes them."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from fieldapp.schemas import Instant, StrictSchema


class PatrolSchema(StrictSchema):
    """A planned patrol: a township team's day in one village."""

    id = fields.UUID(load_default=None)
    village_id = fields.UUID(required=True)
    township_id = fields.UUID(dump_only=True)
    date = fields.Date(required=True)
    team = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=20))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))
    created_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)


class PatrolQuerySchema(Schema):
    """``GET /api/v1/patrols`` query: township and a date range, each optional."""

    class Meta:
        unknown = EXCLUDE

    township_id = fields.UUID(load_default=None)
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)


class PatrolListSchema(Schema):
    """The patrols the caller may see."""

    items = fields.List(fields.Nested(PatrolSchema))
    total = fields.Integer()
