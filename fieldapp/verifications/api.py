"""``/api/v1/verifications``: the sample's questions and the managers' reviews."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user, require_role
from fieldapp.auth.models import Role
from fieldapp.http import load, page_args
from fieldapp.openapi import doc
from fieldapp.verifications import service
from fieldapp.verifications.schemas import (
    ReviewSchema,
    VerificationListSchema,
    VerificationQuerySchema,
    VerificationSchema,
)

bp = Blueprint("verifications_api", __name__, url_prefix="/api/v1")


@bp.get("/verifications")
@doc("Verification questions", query=VerificationQuerySchema, response=VerificationListSchema)
def list_verifications() -> ResponseReturnValue:
    """The area's verification questions and their answers, oldest first."""
    filters = load(VerificationQuerySchema(), {k: v for k, v in request.args.items() if v != ""})
    page, per_page = page_args()
    rows, total = service.list_verifications(current_user(), filters, page, per_page)
    items = [row.Verification for row in rows]
    return VerificationListSchema().dump({"items": items, "total": total, "page": page, "per_page": per_page})


@bp.post("/verifications/<uuid:verification_id>/review")
@doc("Record a verification's review", body=ReviewSchema, response=VerificationSchema)
def review_verification(verification_id: uuid.UUID) -> ResponseReturnValue:
    """The township manager records what they found."""
    user = require_role(Role.TOWNSHIP_MANAGER)
    data = load(ReviewSchema())
    return VerificationSchema().dump(service.review(user, verification_id, data["finding"], data["note"]))
