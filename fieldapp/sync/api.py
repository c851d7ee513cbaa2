"""``POST /api/v1/sync``: offline clients push records and pull changes."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.schemas import Dumper
from fieldapp.sync import service
from fieldapp.sync.schemas import SyncRequestSchema, SyncResponseSchema

bp = Blueprint("sync_api", __name__, url_prefix="/api/v1")

# An answer holds up to a thousand results and a page of changes: dumped by a ``Dumper``.
_ANSWER = Dumper(SyncResponseSchema())


@bp.post("/sync")
@doc("Push offline records and pull changes", body=SyncRequestSchema, response=SyncResponseSchema)
def sync() -> ResponseReturnValue:
    """Handle each pushed record as its endpoint would, then answer one page of changes."""
    # Each record's text is checked with the record, so one bad record does not refuse the batch.
    request = load(SyncRequestSchema(), checked_later=("records",))
    return _ANSWER(service.sync(current_user(), request["records"], request["since"]))
