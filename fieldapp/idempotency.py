"""Client-chosen ids make writes repeatable: the same id and body is the same record."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from fieldapp.errors import ConflictError
from fieldapp.extensions import db

M = TypeVar("M")
T = TypeVar("T")


@dataclass(frozen=True)
class _RecordSavepoint:
    """Set while a caller runs one record in a savepoint of its own (see ``in_own_savepoint``)."""

    new_id: uuid.UUID | None
    # Where new rows go when the caller adds and flushes a whole batch at once (see
    # ``in_shared_savepoint``); None: each is added and flushed at once.
    pending: list[Any] | None = None
    # False: added only, flushed with the commit (see ``commit_once``).
    flush: bool = True


_RECORD_SAVEPOINT: ContextVar[_RecordSavepoint | None] = ContextVar("record_savepoint", default=None)


def _default(value: Any) -> str:
    if isinstance(value, (datetime, date, uuid.UUID)):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    raise TypeError(f"not hashable as JSON: {type(value)!r}")


# ``json.dumps(payload, sort_keys=True, default=_default, ensure_ascii=False)``, its encoder made
# once (not once a record of a thousand-record push). Stored rows keep these digests: the text
# hashed must never change (``tests/foundation/test_idempotency.py`` pins one).
_HASHED_JSON = json.JSONEncoder(sort_keys=True, default=_default, ensure_ascii=False)


def body_hash(data: dict[str, Any]) -> str:
    """A stable hash of a loaded request body (key order and id excluded)."""
    payload = {k: v for k, v in data.items() if k != "id"}
    return hashlib.sha256(_HASHED_JSON.encode(payload).encode()).hexdigest()


def replayed(model: type[M], record_id: uuid.UUID | None, digest: str) -> M | None:
    """The stored record when this is a replay; 409 when the id is taken by another body."""
    if record_id is None:
        return None
    existing = db.session.get(model, record_id)
    if existing is None:
        return None
    if getattr(existing, "request_hash", None) != digest:
        raise ConflictError("A record with this id exists with a different body.", code="conflict")
    return existing


def insert_once(
    model: type[M],
    data: dict[str, Any],
    build: Callable[[str], M],
    on_conflict: Callable[[IntegrityError], None] | None = None,
) -> tuple[M, bool]:
    """Insert the record ``build(hash)`` unless this id exists; return ``(record, created)``.

    The insert runs in a savepoint, so a concurrent replay that wins the race
    turns into a read of its row instead of an error or a second row.
    ``on_conflict`` maps other unique violations to API errors.
    """
    digest = body_hash(data)
    record_id = data.get("id")
    inside = _RECORD_SAVEPOINT.get()
    if inside is None or record_id is None or record_id != inside.new_id:
        existing = replayed(model, record_id, digest)
        if existing is not None:
            return existing, False
    # Built before the savepoint: its reads run before this transaction's first write (on
    # SQLite a read transaction that then writes fails at once when another writer holds
    # the lock, where a first write waits its turn).
    record = build(digest)
    if inside is not None:
        # The caller's savepoint isolates this insert; a unique-key error goes back to it.
        if inside.pending is not None:
            inside.pending.append(record)
            return record, True
        db.session.add(record)
        if inside.flush:
            db.session.flush()
        return record, True
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError as error:
        again = replayed(model, record_id, digest)
        if again is not None:
            return again, False
        if on_conflict is not None:
            on_conflict(error)
        raise ConflictError("This record conflicts with one that exists.") from None
    return record, True


def in_own_savepoint(work: Callable[[], T], new_id: uuid.UUID | None = None) -> T:
    """Run ``work`` (one record of a batch) in a savepoint of its own.

    ``insert_once`` inside it adds its row without a second savepoint (two round trips
    fewer a record), and without reading first when its id is ``new_id`` (the caller
    found the batch's ids free in one query). Should the row break a unique key (a
    concurrent replay, a duplicate), the savepoint is rolled back and ``work`` runs once
    more the usual way, where ``insert_once`` turns the race into a replay and a
    duplicate into its 409.
    """
    token = _RECORD_SAVEPOINT.set(_RecordSavepoint(new_id))
    try:
        # A broken unique key rolls the savepoint back and falls through to the usual way.
        with suppress(IntegrityError), db.session.begin_nested():
            return work()
    finally:
        _RECORD_SAVEPOINT.reset(token)
    with db.session.begin_nested():
        return work()


def in_shared_savepoint(work: Callable[[], T], new_id: uuid.UUID | None, pending: list[Any]) -> T:
    """Run ``work`` (one record of a batch) inside the savepoint the caller holds for the batch.

    As ``in_own_savepoint``, but without a savepoint of its own and without a flush:
    ``insert_once`` appends the new row to ``pending``; the caller adds and flushes the
    whole batch at once and, on any failure, rolls the batch's savepoint back (and runs
    its records one by one).
    """
    token = _RECORD_SAVEPOINT.set(_RecordSavepoint(new_id, pending))
    try:
        return work()
    finally:
        _RECORD_SAVEPOINT.reset(token)


def commit_keeping_loaded() -> None:
    """Commit without expiring the session's objects, for a caller that answers what it just wrote.

    The default expiry would make the answer's dump read every written row back
    (one SELECT each) although the session holds exactly what was stored.
    """
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def commit_once(work: Callable[[], T]) -> T:
    """Run ``work`` (a request's one ``insert_once`` and what goes with it) and commit it.

    ``insert_once`` inside still reads first for a replay, but adds its row without a
    savepoint or flush of its own: everything is flushed once, by the commit. Should
    the commit break a unique key (a concurrent replay won the race, a duplicate), the
    transaction is rolled back and ``work`` runs once more the usual way, where
    ``insert_once`` turns the race into a replay and a duplicate into its 409. Only for
    a request whose transaction holds nothing else.
    """
    token = _RECORD_SAVEPOINT.set(_RecordSavepoint(None, flush=False))
    try:
        result = work()
        commit_keeping_loaded()
        return result
    except IntegrityError:
        db.session.rollback()
    finally:
        _RECORD_SAVEPOINT.reset(token)
    result = work()
    commit_keeping_loaded()
    return result
