"""Screenings and their outcomes as API.md reads and writes them."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, pre_load, validate

from fieldapp.followups.schemas import CONDITIONS, EnrollmentSchema
from fieldapp.schemas import Instant, PageSchema, StrictSchema, without_nulls
from fieldapp.screenings.rules import RISK_FACTORS, Outcome, ScreeningResult

# What the server decides: a client may send these back (a stored answer); they are ignored.
SERVER_FIELDS = ("results", "confirm_by", "status", "outcomes", "performed_by", "created_at", "updated_at")


class ScreeningSchema(StrictSchema):
    """One screening; results, ``confirm_by`` and status are the server's."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(required=True)
    performed_at = Instant(required=True)
    sbp = fields.Integer(strict=True, allow_none=True, load_default=None)
    dbp = fields.Integer(strict=True, allow_none=True, load_default=None)
    fasting_glucose = fields.Float(allow_none=True, load_default=None, allow_nan=False)
    risk_factors = fields.List(fields.String(validate=validate.OneOf(RISK_FACTORS)), load_default=list)
    results = fields.List(
        fields.String(), dump_only=True, metadata={"enum": [str(r) for r in ScreeningResult]}
    )
    confirm_by = fields.Date(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True, metadata={"enum": ["open", "closed"]})
    outcomes = fields.Dict(dump_only=True)
    performed_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)

    @pre_load
    def drop_server_fields(self, data: Any, **_kwargs: Any) -> Any:
        """Ignore what the server decides; a null list is not sent."""
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in SERVER_FIELDS}
        return without_nulls(data, ("risk_factors",))

    @post_load
    def normalise_risk_factors(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """The same risk factors in another order are the same body."""
        data["risk_factors"] = sorted(set(data["risk_factors"]))
        return data


class ScreeningWithEnrollmentSchema(ScreeningSchema):
    """The answer to an outcome: the screening, and the enrollment a confirmation made."""

    enrollment = fields.Nested(EnrollmentSchema, dump_only=True, allow_none=True)


class ScreeningOutcomeSchema(StrictSchema):
    """``POST /api/v1/screenings/{id}/outcome``; ``id`` (optional) names the outcome, so a replay is one."""

    id = fields.UUID(load_default=None)
    condition = fields.String(required=True, validate=validate.OneOf(CONDITIONS))
    outcome = fields.String(required=True, validate=validate.OneOf([str(o) for o in Outcome]))
    on = fields.Date(required=True)
    facility = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=120))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=4000))


class ScreeningPageSchema(PageSchema):
    """A page of a resident's screenings, newest first."""

    items = fields.List(fields.Nested(ScreeningSchema))


class SyncedOutcomeSchema(ScreeningOutcomeSchema):
    """A ``screening_outcome`` record of sync: the outcome body with the screening it settles."""

    id = fields.UUID(required=True)
    screening_id = fields.UUID(required=True)
