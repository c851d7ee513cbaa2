"""Messages, push keys and subscriptions as API.md reads and writes them."""

from __future__ import annotations

import base64
import binascii

from marshmallow import Schema, ValidationError, fields, validate

from fieldapp.messaging.models import MessageKind, MessageStatus
from fieldapp.schemas import Instant, PageSchema, StrictSchema


class MessageSchema(Schema):
    """An outbound SMS as the console and integrations see it."""

    id = fields.UUID()
    to = fields.String()
    body = fields.String()
    kind = fields.String()
    status = fields.String()
    suppressed_reason = fields.String(allow_none=True)
    segments = fields.Integer()
    provider_sid = fields.String(allow_none=True)
    error_code = fields.String(allow_none=True)
    resident_id = fields.UUID(allow_none=True)
    referral_id = fields.UUID(allow_none=True)
    send_after = Instant(allow_none=True)
    created_at = Instant()
    sent_at = Instant(allow_none=True)
    delivered_at = Instant(allow_none=True)


class MessagePageSchema(PageSchema):
    """A page of messages, newest first."""

    items = fields.List(fields.Nested(MessageSchema))


class MessageFilterSchema(Schema):
    """``GET /api/v1/messages`` query parameters."""

    class Meta:
        unknown = "exclude"

    resident_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in MessageStatus]))
    kind = fields.String(load_default=None, validate=validate.OneOf([k.value for k in MessageKind]))


class VapidKeySchema(Schema):
    """The applicationServerKey browsers subscribe with."""

    key = fields.String()


def _decodes_to(length: int) -> validate.Validator:
    def check(value: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            raise ValidationError("not URL-safe base64") from None
        if len(raw) != length:
            raise ValidationError(f"must decode to {length} bytes")

    return check  # type: ignore[return-value]


class SubscriptionKeysSchema(StrictSchema):
    """The browser's encryption keys (``PushSubscription.getKey``)."""

    p256dh = fields.String(required=True, validate=_decodes_to(65))
    auth = fields.String(required=True, validate=_decodes_to(16))


class SubscriptionSchema(StrictSchema):
    """``POST /api/v1/push/subscriptions``: a browser's push subscription."""

    id = fields.UUID(dump_only=True)
    endpoint = fields.String(
        required=True,
        validate=[validate.URL(schemes={"https", "http"}, require_tld=False), validate.Length(max=2000)],
    )
    keys = fields.Nested(SubscriptionKeysSchema, required=True, load_only=True)
    created_at = Instant(dump_only=True)


class UnsubscribeSchema(StrictSchema):
    """``DELETE /api/v1/push/subscriptions``: which one."""

    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=2000))
