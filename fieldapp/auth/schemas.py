"""Sign-in requests and the user object of API.md."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from fieldapp.schemas import Instant


class TokenRequestSchema(Schema):
    """``POST /api/v1/auth/token``."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UserSchema(Schema):
    """A user as API.md shows it (never the password)."""

    id = fields.UUID()
    username = fields.String()
    role = fields.String()
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    township_id = fields.UUID(allow_none=True)
    village_ids = fields.List(fields.UUID())
    facility_id = fields.UUID(allow_none=True)
    active = fields.Boolean()


class TokenSchema(Schema):
    """The answer to a sign-in."""

    token = fields.String()
    expires_at = Instant()
    user = fields.Nested(UserSchema)
