"""Recording who read or changed a resident's record."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert

from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import User
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow

AuditValues = dict[str, Any]
_COLLECTING: ContextVar[list[AuditValues] | None] = ContextVar("audit_collecting", default=None)


def record_access(user: User | None, action: str, entity: str, entity_id: uuid.UUID) -> None:
    """Add an audit entry to the current transaction (committed with it), or to the open collection."""
    address = request.remote_addr if has_request_context() else None
    values = {
        "at": utcnow(),
        "user_id": user.id if user else None,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "address": address,
    }
    collecting = _COLLECTING.get()
    if collecting is not None:
        collecting.append(values)
    else:
        db.session.add(AuditEntry(**values))


@contextmanager
def collected_entries() -> Iterator[list[AuditValues]]:
    """Hold the entries recorded inside the block, for the caller to write with ``write_entries``."""
    entries: list[AuditValues] = []
    token = _COLLECTING.set(entries)
    try:
        yield entries
    finally:
        _COLLECTING.reset(token)


def write_entries(entries: list[AuditValues]) -> None:
    """Insert collected entries in the current transaction: one executemany, no ids read back."""
    if entries:
        db.session.execute(insert(AuditEntry.__table__), entries)
