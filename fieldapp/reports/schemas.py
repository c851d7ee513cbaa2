"""Reports as API.md shows them."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from fieldapp.org.schemas import VillageSchema
from fieldapp.schemas import Instant


class ReportQuerySchema(Schema):
    """``?township_id=&year=``: both optional (a township user's own township, this year)."""

    class Meta:
        unknown = EXCLUDE

    township_id = fields.UUID(load_default=None)
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


class ConditionIndicatorsSchema(Schema):
    """The BPHS indicators of one condition in one year (DOMAIN.md)."""

    managed = fields.Integer()
    expected = fields.Integer(
        allow_none=True, metadata={"description": "set by the county admin; null: not set"}
    )
    management_rate = fields.Float(
        allow_none=True, metadata={"description": "managed / expected; null: not set"}
    )
    standardized = fields.Integer()
    standardized_management_rate = fields.Float()
    controlled = fields.Integer()
    control_rate = fields.Float()
    health_checked = fields.Integer()
    health_check_rate = fields.Float()
    latest_records = fields.Integer(
        metadata={"description": "managed residents with a follow-up in the year"}
    )
    complete_records = fields.Integer(metadata={"description": "of them, whose latest follow-up is complete"})
    complete_records_rate = fields.Float()


class ScreeningIndicatorsSchema(Schema):
    """Screening of residents aged 35 or over in one year (DOMAIN.md)."""

    population_35plus = fields.Integer()
    screened = fields.Integer()
    screening_rate = fields.Float()
    suspected = fields.Integer()
    confirmed = fields.Integer()


class FollowupCountsSchema(Schema):
    """Follow-ups performed in the year: all modes, and face-to-face (clinic or home) only."""

    total = fields.Integer()
    face_to_face = fields.Integer()


class IndicatorsSchema(Schema):
    """``GET /api/v1/reports/indicators``."""

    year = fields.Integer()
    township_id = fields.UUID(allow_none=True)
    hypertension = fields.Nested(ConditionIndicatorsSchema)
    diabetes = fields.Nested(ConditionIndicatorsSchema)
    screening = fields.Nested(ScreeningIndicatorsSchema)
    followups = fields.Nested(FollowupCountsSchema)
    overdue = fields.Integer()
    lost = fields.Integer()
    referrals = fields.Dict(keys=fields.String(), values=fields.Integer())
    sms = fields.Dict(keys=fields.String(), values=fields.Integer())


class VillageCoverageSchema(Schema):
    """One village's visits: the last, those of the last 30 days, and whether it is a blank spot."""

    village = fields.Nested(VillageSchema)
    last_visit_at = Instant(allow_none=True)
    visits_30d = fields.Integer()
    patrol_visits_30d = fields.Integer()
    blank_spot = fields.Boolean()


class CoverageSchema(Schema):
    """``GET /api/v1/reports/coverage``."""

    villages = fields.List(fields.Nested(VillageCoverageSchema))
