"""``/api/v1/referrals``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from fieldapp.auth.context import current_user
from fieldapp.auth.models import User
from fieldapp.http import load, page_args
from fieldapp.openapi import doc
from fieldapp.referrals import service
from fieldapp.referrals.models import Referral
from fieldapp.referrals.schemas import (
    AcceptSchema,
    CancelSchema,
    CompleteSchema,
    DeclineSchema,
    ReferralCreateSchema,
    ReferralFilterSchema,
    ReferralPageSchema,
    ReferralSchema,
)

bp = Blueprint("referrals_api", __name__, url_prefix="/api/v1")


@bp.post("/referrals")
@doc("Refer a resident to a county facility", body=ReferralCreateSchema, response=ReferralSchema, status=201)
def create_referral() -> ResponseReturnValue:
    """Refer a resident upward; the same id and body again answers 200 with the stored referral."""
    referral, created = service.create_referral(current_user(), load(ReferralCreateSchema()))
    return ReferralSchema().dump(referral), 201 if created else 200


@bp.get("/referrals")
@doc("Referrals the caller may see", query=ReferralFilterSchema, response=ReferralPageSchema)
def list_referrals() -> ResponseReturnValue:
    """Referrals in the caller's area, newest first, filtered by status, facility or township."""
    page, per_page = page_args()
    # An empty parameter (``?status=``) means no filter, as on every list endpoint.
    filters = load(ReferralFilterSchema(), {k: v for k, v in request.args.items() if v != ""})
    rows, total = service.list_referrals(current_user(), filters, page=page, per_page=per_page)
    return ReferralPageSchema().dump({"items": rows, "total": total, "page": page, "per_page": per_page})


@bp.get("/referrals/<uuid:referral_id>")
@doc("One referral with its escalations", response=ReferralSchema)
def get_referral(referral_id: uuid.UUID) -> ResponseReturnValue:
    """A referral in the caller's area."""
    return ReferralSchema().dump(service.get_referral(current_user(), referral_id))


Change = Callable[[User, uuid.UUID, dict[str, Any]], Referral]


def _transition_view(name: str, schema: type[Schema], change: Change, summary: str) -> None:
    """Register ``POST /referrals/{id}/<name>``: parse, change, dump."""

    @doc(summary, body=schema, response=ReferralSchema)
    def view(referral_id: uuid.UUID) -> ResponseReturnValue:
        # A body-less POST (accept without appointment) reads as an empty object.
        data = load(schema(), {} if not request.get_data() else None)
        return ReferralSchema().dump(change(current_user(), referral_id, data))

    view.__doc__ = summary
    bp.add_url_rule(f"/referrals/<uuid:referral_id>/{name}", f"{name}_referral", view, methods=["POST"])


_transition_view("accept", AcceptSchema, service.accept_referral, "The facility's desk accepts a referral")
_transition_view(
    "decline", DeclineSchema, service.decline_referral, "The facility's desk declines a referral"
)
_transition_view(
    "complete", CompleteSchema, service.complete_referral, "The desk completes a referral (down-referral)"
)
_transition_view("cancel", CancelSchema, service.cancel_referral, "The referring side cancels a referral")
