"""Patrols as API.md reads and writes them."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from fieldapp.patrols.models import PatrolKind, PatrolStatus
from fieldapp.schemas import Instant, StrictSchema

TEAM = validate.Length(min=1, max=20)
NOTE = validate.Length(max=1000)


class PatrolSchema(StrictSchema):
    """A planned patrol (a township team's day in one village) or a stationing (first to last day)."""

    id = fields.UUID(load_default=None)
    village_id = fields.UUID(required=True)
    township_id = fields.UUID(dump_only=True)
    kind = fields.String(load_default=PatrolKind.PATROL.value, validate=validate.OneOf(list(PatrolKind)))
    date = fields.Date(required=True)
    until = fields.Date(load_default=None, allow_none=True)
    team = fields.List(fields.UUID(), required=True, validate=TEAM)
    note = fields.String(allow_none=True, load_default=None, validate=NOTE)
    status = fields.String(dump_only=True, metadata={"enum": list(PatrolStatus)})
    cancel_reason = fields.String(dump_only=True)
    cancelled_at = Instant(dump_only=True)
    created_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)


class PatrolChangeSchema(StrictSchema):
    """``PATCH /api/v1/patrols/{id}``: what may change before it starts."""

    date = fields.Date()
    until = fields.Date(allow_none=True)
    team = fields.List(fields.UUID(), validate=TEAM)
    note = fields.String(allow_none=True, validate=NOTE)


class PatrolCancelSchema(StrictSchema):
    """``POST /api/v1/patrols/{id}/cancel``."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


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
