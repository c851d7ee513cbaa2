"""Recording who read or changed a resident's record, and who read lists of them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import insert, text

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
    """Insert collected entries in the current transaction, no ids read back: on PostgreSQL one
    COPY (a sync push's thousand entries took about three times as long as pipelined
    single-row INSERTs), elsewhere one executemany."""
    if not entries:
        return
    connection = db.session.connection()
    names = list(entries[0])
    driver = connection.connection.driver_connection
    if (
        connection.dialect.name != "postgresql"
        or driver is None
        or any(entry.keys() != entries[0].keys() for entry in entries)
    ):
        db.session.execute(insert(AuditEntry.__table__), entries)
        return
    table = AuditEntry.__table__
    # Each value as the INSERT would bind it (e.g. an instant as naive UTC, see UTCDateTime).
    binds = [table.c[name].type.bind_processor(connection.dialect) for name in names]
    copy = f"COPY {table.name} ({', '.join(table.c[name].name for name in names)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(copy) as rows:
        for entry in entries:
            values = [entry[name] for name in names]
            rows.write_row(
                [value if bind is None else bind(value) for value, bind in zip(values, binds, strict=True)]
            )


def _filter_value(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, date, datetime)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_filter_value(v) for v in value]
    return value


def record_bulk_read(
    user: User | None, entity: str, filters: dict[str, Any], row_count: int, *, action: str = "list"
) -> None:
    """Note one list, search, export or sync pull of residents' data: who, what, filters, rows.

    The notes are written when the answer is ready, all in one INSERT, so a bulk read
    costs one statement whatever its size. People read through requests: outside one
    (a job, a command) nothing is noted.
    """
    if not has_request_context():
        return
    given = {key: _filter_value(value) for key, value in filters.items() if value not in (None, "", [])}
    values = {
        "at": utcnow(),
        "user_id": user.id if user else None,
        "action": action,
        "entity": entity,
        "entity_id": None,
        "address": request.remote_addr,
        "filters": json.dumps(given, ensure_ascii=False, sort_keys=True),
        "row_count": row_count,
    }
    _note(values, even_if_refused=False)


def record_refused_attempt(user: User | None, action: str, entity: str, entity_id: uuid.UUID) -> None:
    """Audit an attempt the request refuses (its transaction is rolled back, this entry is kept)."""
    values = {
        "at": utcnow(),
        "user_id": user.id if user else None,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "address": request.remote_addr if has_request_context() else None,
    }
    _note(values, even_if_refused=True)


def _note(values: AuditValues, *, even_if_refused: bool) -> None:
    if has_request_context():
        notes = g.setdefault("audit_notes", [])
        # A sync batch may run a record twice (together, then one by one): one entry still.
        if even_if_refused and any(values | {"at": None} == seen | {"at": None} for seen, _e in notes):
            return
        notes.append((values, even_if_refused))
    else:
        db.session.execute(insert(AuditEntry.__table__), [values])


def _write_notes(response: Response) -> Response:
    """Write the request's noted entries in one INSERT once it has answered.

    Bulk reads only when the answer went out; refused attempts whatever the answer,
    after the refused request's own work is rolled back.
    """
    notes = g.pop("audit_notes", None)
    if not notes:
        return response
    refused = response.status_code >= 400
    rows = [
        {"filters": None, "row_count": None, **values}
        for values, even_if_refused in notes
        if even_if_refused or not refused
    ]
    if rows:
        if refused:
            db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            # Not waiting for the WAL flush keeps a list page's cost at one quick INSERT
            # (an fsync per page view cost more than the page); these entries could be lost
            # only if the database server itself crashed within a fraction of a second.
            db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        db.session.execute(insert(AuditEntry.__table__), rows)
        db.session.commit()
    return response


def init_app(app: Flask) -> None:
    """Write the audit entries noted during a request after it."""
    app.after_request(_write_notes)
