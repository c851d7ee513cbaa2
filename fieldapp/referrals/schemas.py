"""Referrals as API.md reads and writes them."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from fieldapp.referrals.rules import Channel, ReferralStatus, Urgency
from fieldapp.schemas import Instant, PageSchema, StrictSchema

TEXT = validate.Length(min=1, max=2000)


class ReferralCreateSchema(StrictSchema):
    """``POST /api/v1/referrals``."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(required=True)
    facility_id = fields.UUID(required=True)
    urgency = fields.String(required=True, validate=validate.OneOf([u.value for u in Urgency]))
    reason = fields.String(required=True, validate=TEXT)
    followup_id = fields.UUID(allow_none=True, load_default=None)
    impression = fields.String(allow_none=True, load_default=None, validate=TEXT)
    treatment_given = fields.String(allow_none=True, load_default=None, validate=TEXT)


class AcceptSchema(StrictSchema):
    """``POST /api/v1/referrals/{id}/accept``."""

    appointment_at = Instant(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None, validate=TEXT)


class DeclineSchema(StrictSchema):
    """``POST /api/v1/referrals/{id}/decline``."""

    reason = fields.String(required=True, validate=TEXT)


class CompleteSchema(StrictSchema):
    """``POST /api/v1/referrals/{id}/complete``."""

    outcome = fields.String(required=True, validate=TEXT)
    note = fields.String(allow_none=True, load_default=None, validate=TEXT)
    diagnosis = fields.String(allow_none=True, load_default=None, validate=TEXT)
    findings = fields.String(allow_none=True, load_default=None, validate=TEXT)
    treatment_plan = fields.String(allow_none=True, load_default=None, validate=TEXT)
    rehab_advice = fields.String(allow_none=True, load_default=None, validate=TEXT)


# The down-referral sheet's items, as complete takes them and the referral keeps them.
DOWN_REFERRAL_SHEET = ("diagnosis", "findings", "treatment_plan", "rehab_advice")


class CancelSchema(StrictSchema):
    """``POST /api/v1/referrals/{id}/cancel``."""

    reason = fields.String(required=True, validate=TEXT)


class ReferralFilterSchema(Schema):
    """The query string of ``GET /api/v1/referrals`` (paging is read separately)."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf([s.value for s in ReferralStatus]))
    facility_id = fields.UUID()
    township_id = fields.UUID()


class NotifiedSchema(Schema):
    """One person or phone told: ``to`` is an E.164 number for sms, a user id for push."""

    channel = fields.String(validate=validate.OneOf([c.value for c in Channel]))
    to = fields.String()


class EscalationSchema(Schema):
    """One escalation level reached, with who was told."""

    level = fields.Integer()
    at = Instant()
    notified = fields.List(fields.Nested(NotifiedSchema))


class ReferralSchema(Schema):
    """A referral as every answer shows it."""

    id = fields.UUID()
    number = fields.String(attribute="reference")
    status = fields.String()
    urgency = fields.String()
    reason = fields.String()
    impression = fields.String(allow_none=True)
    treatment_given = fields.String(allow_none=True)
    resident_id = fields.UUID()
    facility_id = fields.UUID()
    township_id = fields.UUID()
    followup_id = fields.UUID(allow_none=True)
    referred_by = fields.UUID(allow_none=True)
    created_at = Instant()
    updated_at = Instant()
    ack_deadline = Instant()
    escalation_level = fields.Integer()
    escalations = fields.List(fields.Nested(EscalationSchema))
    accepted_at = Instant(allow_none=True)
    accepted_by = fields.UUID(allow_none=True)
    appointment_at = Instant(allow_none=True)
    accept_note = fields.String(attribute="decided_note", allow_none=True)
    decline_reason = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    completion_note = fields.String(allow_none=True)
    diagnosis = fields.String(allow_none=True)
    findings = fields.String(allow_none=True)
    treatment_plan = fields.String(allow_none=True)
    rehab_advice = fields.String(allow_none=True)
    completed_at = Instant(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    closed_at = Instant(allow_none=True)
    closed_by = fields.UUID(allow_none=True)


class ReferralPageSchema(PageSchema):
    """A page of referrals."""

    items = fields.List(fields.Nested(ReferralSchema))
