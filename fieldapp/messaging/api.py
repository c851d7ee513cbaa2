"""``/api/v1/messages`` and ``/api/v1/push/*``."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.http import load, page_args
from fieldapp.messaging import service
from fieldapp.messaging.schemas import (
    MessageFilterSchema,
    MessagePageSchema,
    SubscriptionSchema,
    UnsubscribeSchema,
    VapidKeySchema,
)
from fieldapp.openapi import doc

bp = Blueprint("messaging_api", __name__, url_prefix="/api/v1")


@bp.teardown_app_request
def dispatch_committed_messages(_error: BaseException | None) -> None:
    """Enqueue the send jobs of messages this request committed (after the response)."""
    service.dispatch_pending()


@bp.get("/messages")
@doc("Outbound SMS", query=MessageFilterSchema, response=MessagePageSchema)
def list_messages() -> ResponseReturnValue:
    """The messages the caller may read, newest first."""
    page, per_page = page_args()
    filters = load(MessageFilterSchema(), request.args.to_dict())
    rows, total = service.list_messages(current_user(), filters, page, per_page)
    return MessagePageSchema().dump({"items": rows, "total": total, "page": page, "per_page": per_page})


@bp.get("/push/vapid-public-key")
@doc("The Web Push applicationServerKey", response=VapidKeySchema)
def vapid_public_key() -> ResponseReturnValue:
    """Public: the key a browser subscribes with."""
    return VapidKeySchema().dump({"key": service.vapid_keys().public_key})


@bp.post("/push/subscriptions")
@doc(
    "Subscribe this browser to push notifications",
    body=SubscriptionSchema,
    response=SubscriptionSchema,
    status=201,
)
def subscribe() -> ResponseReturnValue:
    """Remember the caller's browser subscription."""
    data = load(SubscriptionSchema())
    device = service.subscribe(
        current_user().id, data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"]
    )
    return SubscriptionSchema().dump(device), 201


@bp.delete("/push/subscriptions")
@doc("Unsubscribe a browser", body=UnsubscribeSchema, status=204)
def unsubscribe() -> ResponseReturnValue:
    """Forget the caller's subscription at that endpoint."""
    service.unsubscribe(current_user().id, load(UnsubscribeSchema())["endpoint"])
    return "", 204
