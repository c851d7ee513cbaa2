"""``/api/v1/patrols``."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user, require_role
from fieldapp.auth.scoping import TOWNSHIP_ROLES
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.patrols import service
from fieldapp.patrols.schemas import (
    PatrolCancelSchema,
    PatrolChangeSchema,
    PatrolListSchema,
    PatrolQuerySchema,
    PatrolSchema,
)

bp = Blueprint("patrols_api", __name__, url_prefix="/api/v1")


@bp.post("/patrols")
@doc("Plan a patrol", body=PatrolSchema, response=PatrolSchema, status=201)
def create_patrol() -> ResponseReturnValue:
    """Township staff plan a patrol; the same id and body again answers 200."""
    user = require_role(*TOWNSHIP_ROLES)  # the role before the body: a doctor's bad body is still 403
    patrol, created = service.create_patrol(user, load(PatrolSchema()))
    return PatrolSchema().dump(patrol), 201 if created else 200


@bp.get("/patrols")
@doc("Planned patrols", query=PatrolQuerySchema, response=PatrolListSchema)
def list_patrols() -> ResponseReturnValue:
    """Patrols in the caller's area, optionally of one township and a date range."""
    args = load(PatrolQuerySchema(), {k: v for k, v in request.args.items() if v != ""})
    rows = service.list_patrols(current_user(), args["township_id"], args["date_from"], args["date_to"])
    return PatrolListSchema().dump({"items": rows, "total": len(rows)})


@bp.patch("/patrols/<uuid:patrol_id>")
@doc("Change a patrol before it starts", body=PatrolChangeSchema, response=PatrolSchema)
def update_patrol(patrol_id: uuid.UUID) -> ResponseReturnValue:
    """Date, last day, team or note; 409 once started or cancelled; residents told get a correction."""
    user = require_role(*TOWNSHIP_ROLES)
    return PatrolSchema().dump(service.update_patrol(user, patrol_id, load(PatrolChangeSchema())))


@bp.post("/patrols/<uuid:patrol_id>/cancel")
@doc("Cancel a patrol before it starts", body=PatrolCancelSchema, response=PatrolSchema)
def cancel_patrol(patrol_id: uuid.UUID) -> ResponseReturnValue:
    """Cancel with a reason; 409 once started or cancelled; residents told get a correction."""
    user = require_role(*TOWNSHIP_ROLES)
    data = load(PatrolCancelSchema())
    return PatrolSchema().dump(service.cancel_patrol(user, patrol_id, data["reason"]))
