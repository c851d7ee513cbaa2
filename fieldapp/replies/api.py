"""``/api/v1/replies``: residents' SMS replies for the doctors of their area."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.http import load, page_args
from fieldapp.openapi import doc
from fieldapp.replies import service
from fieldapp.replies.schemas import ReplyPageSchema, ReplyQuerySchema, ReplySchema

bp = Blueprint("replies_api", __name__, url_prefix="/api/v1")


@bp.get("/replies")
@doc("Residents' replies in the caller's area", query=ReplyQuerySchema, response=ReplyPageSchema)
def list_replies() -> ResponseReturnValue:
    """Replies of residents the caller may see, newest first; ``unread=true`` for the unread only."""
    args = load(ReplyQuerySchema(), {k: v for k, v in request.args.items() if v != ""})
    page, per_page = page_args()
    rows, total = service.list_replies(
        current_user(), args.get("resident_id"), args["unread"], page, per_page
    )
    return ReplyPageSchema().dump({"items": rows, "total": total, "page": page, "per_page": per_page})


@bp.post("/replies/<uuid:reply_id>/read")
@doc("Mark a reply read for everyone", response=ReplySchema)
def mark_read(reply_id: uuid.UUID) -> ResponseReturnValue:
    """Mark the reply read; it stays read for every doctor and the console."""
    return ReplySchema().dump(service.mark_read(current_user(), reply_id))
