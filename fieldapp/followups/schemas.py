"""Enrollments, follow-ups and visits as API.md reads and writes them."""

from __future__ import annotations

from marshmallow import fields, validate

from fieldapp.schemas import Instant, StrictSchema

CONDITIONS = ("hypertension", "diabetes")


class EnrollmentSchema(StrictSchema):
    """An enrollment in chronic-disease management."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(dump_only=True)
    condition = fields.String(required=True, validate=validate.OneOf(CONDITIONS))
    status = fields.String(dump_only=True)
    diagnosed_on = fields.Date(required=True)
    enrolled_on = fields.Date()
    next_due_on = fields.Date(dump_only=True)
    closed_on = fields.Date(dump_only=True)
    close_reason = fields.String(dump_only=True)
    created_at = Instant(dump_only=True)
