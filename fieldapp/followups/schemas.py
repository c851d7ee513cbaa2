"""Enrollments, follow-ups, visits and queues as API.md reads and writes them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, pre_load, validate

from fieldapp.followups.rules import CLASSIFICATION_ORDER, Condition, QueueState
from fieldapp.residents.keygroups import KEY_GROUPS
from fieldapp.residents.schemas import ResidentSchema
from fieldapp.schemas import Instant, PageSchema, QueryPageSchema, StrictSchema, without_nulls

CONDITIONS = tuple(str(c) for c in Condition)
CLOSE_REASONS = ("moved", "died", "cured", "other")
MODES = ("clinic", "home", "phone")
ADHERENCE = ("regular", "intermittent", "none")
PURPOSES = ("household", "followup", "patrol", "education")
QUEUE_STATUSES = ("due", "overdue", "lost", "all")


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

    @pre_load
    def drop_null_defaults(self, data: Any, **_kwargs: Any) -> Any:
        """``enrolled_on: null`` is today, as when it is left out."""
        return without_nulls(data, ("enrolled_on",))


class SyncEnrollmentSchema(EnrollmentSchema):
    """An enrollment in a sync batch, which names its resident in the record."""

    resident_id = fields.UUID(required=True)


class EnrollmentCloseSchema(StrictSchema):
    """``POST /api/v1/enrollments/{id}/close``."""

    reason = fields.String(required=True, validate=validate.OneOf(CLOSE_REASONS))
    closed_on = fields.Date(allow_none=True)


# What the server decides: a client may send these back (e.g. a stored answer); they are ignored.
SERVER_FIELDS = (
    "classification",
    "urgent_referral",
    "referral_recommended",
    "next_due_on",
    "enrollment_id",
    "performed_by",
    "created_at",
    "updated_at",
)


class FollowUpSchema(StrictSchema):
    """One follow-up; classification, referral flags and next due date are the server's."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(required=True)
    enrollment_id = fields.UUID(dump_only=True)
    condition = fields.String(required=True, validate=validate.OneOf(CONDITIONS))
    performed_at = Instant(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    sbp = fields.Integer(required=True, strict=True)
    dbp = fields.Integer(required=True, strict=True)
    heart_rate = fields.Integer(strict=True, allow_none=True, load_default=None)
    weight_kg = fields.Float(allow_none=True, load_default=None, allow_nan=False)
    height_cm = fields.Float(allow_none=True, load_default=None, allow_nan=False)
    fasting_glucose = fields.Float(allow_none=True, load_default=None, allow_nan=False)
    danger_signs = fields.List(fields.String(), load_default=list)
    adverse_reaction = fields.Boolean(load_default=False)
    new_complication = fields.Boolean(load_default=False)
    medication_adherence = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(ADHERENCE)
    )
    notes = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=4000))
    classification = fields.String(dump_only=True, metadata={"enum": [str(c) for c in CLASSIFICATION_ORDER]})
    urgent_referral = fields.Boolean(dump_only=True)
    referral_recommended = fields.Boolean(dump_only=True)
    next_due_on = fields.Date(dump_only=True)
    performed_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)

    @pre_load
    def drop_server_fields(self, data: Any, **_kwargs: Any) -> Any:
        """Ignore what the server decides, whatever the client says; a null flag or list is not sent."""
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in SERVER_FIELDS}
        return without_nulls(data, ("danger_signs", "adverse_reaction", "new_complication"))

    @post_load
    def normalise_danger_signs(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """The same signs in another order are the same body."""
        data["danger_signs"] = sorted(set(data["danger_signs"]))
        return data


class FollowUpPageSchema(PageSchema):
    """A page of follow-ups."""

    items = fields.List(fields.Nested(FollowUpSchema))


class VisitSchema(StrictSchema):
    """A visit to a village (household, follow-up, patrol or education)."""

    id = fields.UUID(load_default=None)
    village_id = fields.UUID(required=True)
    resident_id = fields.UUID(allow_none=True, load_default=None)
    household_id = fields.UUID(allow_none=True, load_default=None)
    visited_at = Instant(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    lat = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-90, 90))
    lng = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-180, 180))
    notes = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=4000))
    performed_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)


class QueueQuerySchema(QueryPageSchema):
    """``GET /api/v1/queue`` filters (``lost`` is an extension of API.md's statuses)."""

    status = fields.String(load_default="all", validate=validate.OneOf(QUEUE_STATUSES))
    condition = fields.String(load_default=None, validate=validate.OneOf(CONDITIONS))
    village_id = fields.UUID(load_default=None)
    township_id = fields.UUID(load_default=None)
    key_group = fields.String(load_default=None, validate=validate.OneOf(KEY_GROUPS))


class DoctorSchema(Schema):
    """The village doctor responsible for a resident's village."""

    id = fields.UUID()
    name = fields.String(allow_none=True)
    username = fields.String()
    phone = fields.String(allow_none=True)


# A queue row shows the last follow-up in brief; the full record is one GET away.
LAST_FOLLOWUP_FIELDS = (
    "id",
    "performed_at",
    "mode",
    "sbp",
    "dbp",
    "fasting_glucose",
    "classification",
    "urgent_referral",
    "referral_recommended",
    "next_due_on",
)


class LastFollowUpSchema(FollowUpSchema):
    """A follow-up in brief, as a queue row shows it."""

    class Meta:
        fields = LAST_FOLLOWUP_FIELDS


class QueueItemSchema(Schema):
    """One enrollment in a queue."""

    resident = fields.Nested(ResidentSchema)
    enrollment_id = fields.UUID()
    condition = fields.String()
    due_on = fields.Date()
    days_overdue = fields.Integer()
    state = fields.String(metadata={"enum": [str(s) for s in QueueState]})
    last_followup = fields.Nested(LastFollowUpSchema, allow_none=True)
    doctor = fields.Nested(DoctorSchema, allow_none=True)


class QueuePageSchema(PageSchema):
    """A page of a queue, oldest due date first."""

    items = fields.List(fields.Nested(QueueItemSchema))


class RulesSchema(Schema):
    """The rules table (``GET /api/v1/rules``)."""

    rules = fields.Dict()
    ranges = fields.Dict()
    danger_signs = fields.Dict()
    classification_order = fields.List(fields.String())
    notes = fields.List(fields.String())
