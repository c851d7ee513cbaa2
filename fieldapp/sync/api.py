"""``POST /api/v1/sync``: offline clients push records and pull changes."""

from __future__ import annotations

import gc

from flask import Blueprint, g
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.http import body_text_storable, load
from fieldapp.openapi import doc
from fieldapp.schemas import Dumper
from fieldapp.sync import service
from fieldapp.sync.schemas import SyncRequestSchema, SyncResponseSchema

bp = Blueprint("sync_api", __name__, url_prefix="/api/v1")

# An answer holds up to a thousand results and a page of changes: dumped by a ``Dumper``.
_ANSWER = Dumper(SyncResponseSchema())


@bp.before_request
def _pause_collector() -> None:
    """Hold Python's cycle collector from the body's parse to the compressed answer.

    A batch makes tens of thousands of short-lived objects (the parsed body, loaded records,
    rows, answers, the JSON): each allocation burst set the collector off, a dozen times a
    push outside the service's part, now and then over the whole process's heap (hundreds of
    milliseconds). They are freed by reference counting; cycles wait for a later request.
    """
    g.collector_was_enabled = gc.isenabled()
    gc.disable()


@bp.teardown_request
def _resume_collector(_error: BaseException | None) -> None:
    if g.pop("collector_was_enabled", False):
        gc.enable()


@bp.post("/sync")
@doc("Push offline records and pull changes", body=SyncRequestSchema, response=SyncResponseSchema)
def sync() -> ResponseReturnValue:
    """Handle each pushed record as its endpoint would, then answer one page of changes."""
    # Each record's text is checked with the record, so one bad record does not refuse the batch.
    request = load(SyncRequestSchema(), checked_later=("records",))
    records, since = request["records"], request["since"]
    return _ANSWER(service.sync(current_user(), records, since, text_checked=body_text_storable()))
