"""``POST /api/v1/contact-attempts`` as API.md (v2) writes it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from fieldapp.contacts.rules import Channel, Result
from fieldapp.schemas import Instant, StrictSchema


class ContactAttemptSchema(StrictSchema):
    """One attempt to reach a resident; ``come_on`` with ``will_come`` sets the due date."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(required=True)
    at = Instant(required=True)
    channel = fields.String(required=True, validate=validate.OneOf([c.value for c in Channel]))
    result = fields.String(required=True, validate=validate.OneOf([r.value for r in Result]))
    come_on = fields.Date(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    recorded_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)


class LastContactSchema(Schema):
    """A queue item's last attempt."""

    at = Instant()
    channel = fields.String()
    result = fields.String()
