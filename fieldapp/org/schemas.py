"""Townships, villages, facilities and users as the API reads and writes them."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from fieldapp.auth.models import Role
from fieldapp.auth.schemas import UserSchema
from fieldapp.schemas import StrictSchema, without_nulls

CODE = validate.And(validate.Length(min=1, max=32), validate.Regexp(r"^[A-Za-z0-9_.-]+$"))
NAME = validate.Length(min=1, max=120)
# A township's code within the county, a village's within its township (GB/T 2260 style, 001-999).
DIVISION_CODE = validate.Regexp(r"^(?!000)[0-9]{3}$", error="must be 3 digits, 001 to 999")


class ExpectedSchema(StrictSchema):
    """How many residents aged 35+ the county expects a township to manage, per condition."""

    hypertension = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=10**7))
    diabetes = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=10**7))


class TownshipSchema(StrictSchema):
    """A township."""

    id = fields.UUID(load_default=None)
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=NAME)
    division_code = fields.String(load_default=None, validate=DIVISION_CODE)
    expected = fields.Nested(ExpectedSchema, dump_only=True)


class TownshipUpdateSchema(StrictSchema):
    """``PATCH /api/v1/townships/{id}`` (county admin): the name and the expected figures."""

    name = fields.String(validate=NAME)
    expected = fields.Nested(ExpectedSchema)


class VillageUpdateSchema(StrictSchema):
    """``PATCH /api/v1/villages/{id}`` (county admin): the name."""

    name = fields.String(validate=NAME)


class VillageSchema(StrictSchema):
    """A village of a township."""

    id = fields.UUID(load_default=None)
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=NAME)
    township_id = fields.UUID(required=True)
    division_code = fields.String(load_default=None, validate=DIVISION_CODE)


class FacilitySchema(StrictSchema):
    """A county facility receiving referrals."""

    id = fields.UUID(load_default=None)
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=NAME)
    kind = fields.String(load_default="county_hospital", validate=validate.OneOf(["county_hospital"]))
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=32))


class UserCreateSchema(StrictSchema):
    """``POST /api/v1/users`` (county admin)."""

    id = fields.UUID(load_default=None)
    username = fields.String(
        required=True, validate=validate.And(validate.Length(min=2, max=64), validate.Regexp(r"^[\w.@-]+$"))
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=256))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    township_id = fields.UUID(allow_none=True, load_default=None)
    village_ids = fields.List(fields.UUID(), load_default=list)
    facility_id = fields.UUID(allow_none=True, load_default=None)
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=32))
    name = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=120))

    @pre_load
    def drop_null_defaults(self, data: Any, **_kwargs: Any) -> Any:
        """``village_ids: null`` is no villages, as when it is left out."""
        return without_nulls(data, ("village_ids",))


class UserUpdateSchema(StrictSchema):
    """``PATCH /api/v1/users/{id}``: a manager assigns villages; an admin edits anything."""

    password = fields.String(load_only=True, validate=validate.Length(min=8, max=256))
    role = fields.String(validate=validate.OneOf([r.value for r in Role]))
    township_id = fields.UUID(allow_none=True)
    village_ids = fields.List(fields.UUID())
    facility_id = fields.UUID(allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    name = fields.String(allow_none=True, validate=validate.Length(max=120))
    active = fields.Boolean()


class ListSchema(Schema):
    """A whole collection the caller may see: ``{"items": [...], "total"}``."""

    total = fields.Integer()


class TownshipListSchema(ListSchema):
    """``GET /api/v1/townships``."""

    items = fields.List(fields.Nested(TownshipSchema))


class VillageListSchema(ListSchema):
    """``GET /api/v1/villages``."""

    items = fields.List(fields.Nested(VillageSchema))


class FacilityListSchema(ListSchema):
    """``GET /api/v1/facilities``."""

    items = fields.List(fields.Nested(FacilitySchema))


class UserListSchema(ListSchema):
    """``GET /api/v1/users``."""

    items = fields.List(fields.Nested(UserSchema))


class VillageQuerySchema(Schema):
    """``GET /api/v1/villages`` filters."""

    class Meta:
        unknown = EXCLUDE

    township_id = fields.UUID(load_default=None)
