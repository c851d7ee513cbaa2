"""``/api/v1/townships``, ``/villages``, ``/facilities``, ``/users``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from fieldapp.auth.context import current_user, require_role
from fieldapp.auth.models import Role
from fieldapp.auth.schemas import UserSchema
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.org import service
from fieldapp.org.schemas import (
    FacilityListSchema,
    FacilitySchema,
    TownshipListSchema,
    TownshipSchema,
    TownshipUpdateSchema,
    UserCreateSchema,
    UserListSchema,
    UserUpdateSchema,
    VillageListSchema,
    VillageQuerySchema,
    VillageSchema,
    VillageUpdateSchema,
)

bp = Blueprint("org_api", __name__, url_prefix="/api/v1")


def _status(created: bool) -> int:
    """201 for a new row, 200 for a replay of the same id and body."""
    return 201 if created else 200


def _items(schema: type[Schema], rows: Sequence[Any]) -> ResponseReturnValue:
    return schema().dump({"items": rows, "total": len(rows)})


@bp.post("/townships")
@doc("Add a township", body=TownshipSchema, response=TownshipSchema, status=201)
def create_township() -> ResponseReturnValue:
    """County admin adds a township."""
    require_role(Role.COUNTY_ADMIN)
    row, created = service.create_township(load(TownshipSchema()))
    return TownshipSchema().dump(row), _status(created)


@bp.get("/townships")
@doc("Townships the caller may see", response=TownshipListSchema)
def list_townships() -> ResponseReturnValue:
    """Townships in the caller's area."""
    return _items(TownshipListSchema, service.list_townships(current_user()))


@bp.patch("/townships/<uuid:township_id>")
@doc("Rename a township or set its expected figures", body=TownshipUpdateSchema, response=TownshipSchema)
def update_township(township_id: uuid.UUID) -> ResponseReturnValue:
    """County admin renames a township or sets how many it is expected to manage per condition."""
    require_role(Role.COUNTY_ADMIN)
    return TownshipSchema().dump(service.update_township(township_id, load(TownshipUpdateSchema())))


@bp.patch("/villages/<uuid:village_id>")
@doc("Rename a village", body=VillageUpdateSchema, response=VillageSchema)
def update_village(village_id: uuid.UUID) -> ResponseReturnValue:
    """County admin renames a village."""
    require_role(Role.COUNTY_ADMIN)
    return VillageSchema().dump(service.update_village(village_id, load(VillageUpdateSchema())))


@bp.post("/villages")
@doc("Add a village", body=VillageSchema, response=VillageSchema, status=201)
def create_village() -> ResponseReturnValue:
    """County admin adds a village to a township."""
    require_role(Role.COUNTY_ADMIN)
    row, created = service.create_village(load(VillageSchema()))
    return VillageSchema().dump(row), _status(created)


@bp.get("/villages")
@doc("Villages the caller may see", query=VillageQuerySchema, response=VillageListSchema)
def list_villages() -> ResponseReturnValue:
    """Villages in the caller's area (``?township_id=`` narrows)."""
    args = load(VillageQuerySchema(), {key: value for key, value in request.args.items() if value != ""})
    return _items(VillageListSchema, service.list_villages(current_user(), args["township_id"]))


@bp.post("/facilities")
@doc("Add a county facility", body=FacilitySchema, response=FacilitySchema, status=201)
def create_facility() -> ResponseReturnValue:
    """County admin adds a facility."""
    require_role(Role.COUNTY_ADMIN)
    row, created = service.create_facility(load(FacilitySchema()))
    return FacilitySchema().dump(row), _status(created)


@bp.get("/facilities")
@doc("County facilities", response=FacilityListSchema)
def list_facilities() -> ResponseReturnValue:
    """Every facility a referral can go to."""
    return _items(FacilityListSchema, service.list_facilities())


@bp.post("/users")
@doc("Add a member of staff", body=UserCreateSchema, response=UserSchema, status=201)
def create_user() -> ResponseReturnValue:
    """County admin adds a user."""
    require_role(Role.COUNTY_ADMIN)
    user, created = service.create_staff_user(load(UserCreateSchema()))
    return UserSchema().dump(user), _status(created)


@bp.get("/users")
@doc("Users the caller may see", response=UserListSchema)
def list_users() -> ResponseReturnValue:
    """Staff in the caller's area."""
    return _items(UserListSchema, service.list_users(current_user()))


@bp.get("/users/<uuid:user_id>")
@doc("One user", response=UserSchema)
def get_user(user_id: uuid.UUID) -> ResponseReturnValue:
    """A user in the caller's area."""
    return UserSchema().dump(service.get_user(current_user(), user_id))


@bp.patch("/users/<uuid:user_id>")
@doc("Edit a user or assign villages", body=UserUpdateSchema, response=UserSchema)
def update_user(user_id: uuid.UUID) -> ResponseReturnValue:
    """Admins edit users; township managers assign villages to their doctors."""
    user = require_role(Role.COUNTY_ADMIN, Role.TOWNSHIP_MANAGER)
    return UserSchema().dump(service.update_staff_user(user, user_id, load(UserUpdateSchema())))
