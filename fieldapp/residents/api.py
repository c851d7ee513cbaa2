"""``/api/v1/residents``."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.followups.schemas import EnrollmentSchema
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.residents import service
from fieldapp.residents.schemas import (
    ResidentDetailSchema,
    ResidentPageSchema,
    ResidentQuerySchema,
    ResidentSchema,
    ResidentUpdateSchema,
)

bp = Blueprint("residents_api", __name__, url_prefix="/api/v1")


@bp.post("/residents")
@doc("Register a resident", body=ResidentSchema, response=ResidentSchema, status=201)
def create_resident() -> ResponseReturnValue:
    """Register a resident; the same id and body again answers 200 with the stored record."""
    resident, created = service.create_resident(current_user(), load(ResidentSchema()))
    return ResidentSchema().dump(resident), 201 if created else 200


@bp.get("/residents")
@doc("Find residents", query=ResidentQuerySchema, response=ResidentPageSchema)
def list_residents() -> ResponseReturnValue:
    """Residents in the caller's area; ``q`` matches name, phone or identity number."""
    args = load(ResidentQuerySchema(), {key: value for key, value in request.args.items() if value != ""})
    rows, total = service.search_residents(current_user(), **args)
    return ResidentPageSchema().dump({"items": rows, "total": total, **args})


@bp.get("/residents/<uuid:resident_id>")
@doc("One resident with enrollments", response=ResidentDetailSchema)
def get_resident(resident_id: uuid.UUID) -> ResponseReturnValue:
    """A resident in the caller's area, with their enrollments."""
    resident = service.get_resident(current_user(), resident_id)
    body = ResidentSchema().dump(resident)
    body["enrollments"] = EnrollmentSchema(many=True).dump(service.enrollments_of(resident.id))
    return body


@bp.patch("/residents/<uuid:resident_id>")
@doc("Change a resident", body=ResidentUpdateSchema, response=ResidentSchema)
def update_resident(resident_id: uuid.UUID) -> ResponseReturnValue:
    """Change any field of a resident in the caller's area."""
    resident = service.update_resident(current_user(), resident_id, load(ResidentUpdateSchema()))
    return ResidentSchema().dump(resident)
