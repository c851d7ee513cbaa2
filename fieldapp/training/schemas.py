"""Trainings, guidance visits and the training report as API.md shows them."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from fieldapp.schemas import Instant, StrictSchema
from fieldapp.training.rules import GuidancePlace

TEXT = validate.Length(min=1, max=200)


class TrainingSchema(StrictSchema):
    """A training of rural doctors."""

    id = fields.UUID(load_default=None)
    starts_on = fields.Date(required=True)
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=366))
    topic = fields.String(required=True, validate=TEXT)
    organiser = fields.String(required=True, validate=TEXT)
    attendee_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))
    township_id = fields.UUID(dump_only=True, allow_none=True)
    created_by = fields.UUID(dump_only=True, allow_none=True)
    created_at = Instant(dump_only=True)


class GuidanceVisitSchema(StrictSchema):
    """A county specialist's guidance visit."""

    id = fields.UUID(load_default=None)
    visited_on = fields.Date(required=True, data_key="on")
    staff_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    facility_id = fields.UUID(required=True)
    place = fields.String(required=True, validate=validate.OneOf([p.value for p in GuidancePlace]))
    township_id = fields.UUID(required=True)
    village_id = fields.UUID(load_default=None, allow_none=True)
    topic = fields.String(required=True, validate=TEXT)
    created_by = fields.UUID(dump_only=True, allow_none=True)
    created_at = Instant(dump_only=True)

    @validates_schema
    def village_for_village_visits(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """A visit to a village clinic names the village."""
        if data.get("place") == GuidancePlace.VILLAGE and data.get("village_id") is None:
            raise ValidationError({"village_id": ["required when place is village"]})


class TrainingQuerySchema(Schema):
    """``GET /api/v1/reports/training?year=&township_id=``."""

    class Meta:
        unknown = EXCLUDE

    township_id = fields.UUID(load_default=None)
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


class DoctorRefSchema(Schema):
    """A doctor as reports name them."""

    id = fields.UUID()
    username = fields.String()
    name = fields.String(allow_none=True)
    township_id = fields.UUID(allow_none=True)


class DoctorTrainingSchema(Schema):
    """One rural doctor's trainings in the year."""

    doctor = fields.Nested(DoctorRefSchema)
    trainings = fields.Integer()
    days = fields.Integer()
    meets_rule = fields.Boolean()


class StaffGuidanceSchema(Schema):
    """One county specialist's guidance in the year."""

    staff_name = fields.String()
    facility_id = fields.UUID()
    visits = fields.Integer()
    months_with_guidance = fields.Integer()
    months_required = fields.Integer()
    meets_rule = fields.Boolean()


class TrainingReportSchema(Schema):
    """``GET /api/v1/reports/training``."""

    year = fields.Integer()
    township_id = fields.UUID(allow_none=True)
    doctors = fields.List(fields.Nested(DoctorTrainingSchema))
    guidance = fields.List(fields.Nested(StaffGuidanceSchema))
