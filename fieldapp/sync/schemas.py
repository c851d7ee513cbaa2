"""``POST /api/v1/sync`` as API.md writes it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from fieldapp.schemas import StrictSchema

RECORD_TYPES = (
    "resident",
    "enrollment",
    "visit",
    "followup",
    "referral",
    "screening",
    "health_check",
    "contract",
    "contact_attempt",
    "screening_outcome",
    "contract_termination",
)
RESULT_STATUSES = ("created", "unchanged", "conflict", "invalid")


class SyncRequestSchema(StrictSchema):
    """A batch of records to push and the cursor to pull from.

    Each record is checked on its own (``{"type", "data"}``), so one malformed
    record is answered ``invalid`` without rejecting the batch.
    """

    records = fields.List(fields.Raw(), load_default=list)
    since = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class SyncResultSchema(Schema):
    """What became of one pushed record."""

    id = fields.String(allow_none=True)
    type = fields.String(metadata={"enum": list(RECORD_TYPES)})
    status = fields.String(metadata={"enum": list(RESULT_STATUSES)})
    code = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    existing_id = fields.String(metadata={"description": "duplicate_resident: the resident already there"})
    record = fields.Dict()


class SyncChangesSchema(Schema):
    """Records changed in the caller's area since the cursor, by type."""

    residents = fields.List(fields.Dict())
    enrollments = fields.List(fields.Dict())
    followups = fields.List(fields.Dict())
    referrals = fields.List(fields.Dict())
    replies = fields.List(fields.Dict())
    contact_attempts = fields.List(fields.Dict())
    screenings = fields.List(fields.Dict())
    health_checks = fields.List(fields.Dict())
    contracts = fields.List(fields.Dict())
    patrols = fields.List(fields.Dict())


class SyncResponseSchema(Schema):
    """The answer to a sync call: results in push order, one page of changes, the next cursor."""

    results = fields.List(fields.Nested(SyncResultSchema))
    changes = fields.Nested(SyncChangesSchema)
    cursor = fields.String()
    more = fields.Boolean()
