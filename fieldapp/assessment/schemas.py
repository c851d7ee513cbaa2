"""The assessment as API.md shows it."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from fieldapp.assessment.rules import PARTS
from fieldapp.training.schemas import DoctorRefSchema


class AssessmentQuerySchema(Schema):
    """``?township_id=&period=2026|2026Q4|2026-11`` (default: last month)."""

    class Meta:
        unknown = EXCLUDE

    township_id = fields.UUID(load_default=None)
    period = fields.String(load_default=None)


class AssessmentCountsSchema(Schema):
    """The counts behind each part."""

    done = fields.Integer()
    due = fields.Integer()
    on_time = fields.Integer()
    records = fields.Integer()
    complete_records = fields.Integer()
    confirmed = fields.Integer()
    answered = fields.Integer()
    managed = fields.Integer()
    controlled = fields.Integer()
    trainings = fields.Integer()
    training_days = fields.Integer()


class DoctorAssessmentSchema(Schema):
    """One village doctor's parts (fractions; null when there was nothing to measure) and score."""

    doctor = fields.Nested(DoctorRefSchema)
    quantity = fields.Float(allow_none=True)
    timeliness = fields.Float(allow_none=True)
    completeness = fields.Float(allow_none=True)
    authenticity = fields.Float(allow_none=True)
    denied = fields.Integer()
    outcomes = fields.Float(allow_none=True)
    training = fields.Float(allow_none=True)
    score = fields.Float(allow_none=True)
    counts = fields.Nested(AssessmentCountsSchema)


class AssessmentSchema(Schema):
    """``GET /api/v1/reports/assessment``."""

    township_id = fields.UUID(allow_none=True)
    period = fields.String()
    doctors = fields.List(fields.Nested(DoctorAssessmentSchema))
    weights = fields.Dict(keys=fields.String(validate=lambda k: k in PARTS), values=fields.Float())
