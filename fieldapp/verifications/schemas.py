"""Verifications as API.md reads and writes them."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from fieldapp.schemas import Instant, PageSchema, StrictSchema
from fieldapp.verifications.rules import Finding, VerificationStatus


class ReviewSchema(StrictSchema):
    """``POST /api/v1/verifications/{id}/review``: what the manager found."""

    finding = fields.String(required=True, validate=validate.OneOf([f.value for f in Finding]))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ReviewOutSchema(Schema):
    """The review of a verification, once recorded."""

    finding = fields.String()
    note = fields.String(attribute="review_note", allow_none=True)
    reviewed_by = fields.UUID()
    reviewed_at = Instant()


class VerificationSchema(Schema):
    """One question asked of a resident about one follow-up."""

    id = fields.UUID()
    followup_id = fields.UUID()
    resident_id = fields.UUID()
    doctor_id = fields.UUID()
    township_id = fields.UUID()
    performed_on = fields.Date()
    asked_at = Instant()
    answer_by = Instant()
    answered_at = Instant(allow_none=True)
    status = fields.String()
    review = fields.Method("dump_review")

    def dump_review(self, verification: Any) -> Any:
        """The review when there is one, else absent."""
        if verification.finding is None:
            return None
        return ReviewOutSchema().dump(verification)


class VerificationQuerySchema(Schema):
    """``GET /api/v1/verifications`` filters."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in VerificationStatus]))
    township_id = fields.UUID(load_default=None)
    doctor_id = fields.UUID(load_default=None)
    resident_id = fields.UUID(load_default=None)


class VerificationListSchema(PageSchema):
    """A page of verifications."""

    items = fields.List(fields.Nested(VerificationSchema))
