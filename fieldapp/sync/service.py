"""Offline sync: push records as their endpoints would take them, pull changes by sequence.

Push: each record runs in its own savepoint, in order, through the same service
function as its endpoint, so one bad record never rejects the others and a
replayed batch answers ``unchanged``. Pull: rows of the caller's area ordered by
``(change_seq, type, id)``; the cursor is the last position answered, so a page
cut through rows that share one sequence value (one flush) never skips any.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import current_app
from marshmallow import Schema
from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy import ColumnElement, Select, and_, or_, select

from fieldapp.auth.models import User
from fieldapp.auth.scoping import referral_clause, resident_clause
from fieldapp.errors import APIError, ConflictError, PayloadTooLargeError, ValidationError, flatten_messages
from fieldapp.extensions import db
from fieldapp.followups import service as followups
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.followups.schemas import EnrollmentSchema, FollowUpSchema, SyncEnrollmentSchema, VisitSchema
from fieldapp.idempotency import in_own_savepoint
from fieldapp.referrals.models import Referral
from fieldapp.referrals.schemas import ReferralCreateSchema, ReferralSchema
from fieldapp.residents import service as residents
from fieldapp.residents.models import Resident
from fieldapp.residents.schemas import ResidentSchema

Apply = Callable[[followups.Area, dict[str, Any]], tuple[Any, bool]]


@dataclass(frozen=True)
class RecordKind:
    """How one type of pushed record is loaded, applied and answered."""

    load: Schema
    apply: Apply
    dump: Schema


def _add_enrollment(area: followups.Area, data: dict[str, Any]) -> tuple[Any, bool]:
    resident_id = data.pop("resident_id")
    return followups.add_enrollment(area, resident_id, data)


def _create_referral(area: followups.Area, data: dict[str, Any]) -> tuple[Any, bool]:
    # Imported here: the referrals service imports the follow-ups service (mark_recheck_due).
    from fieldapp.referrals.service import create_referral

    return create_referral(area.user, data)


# Referrals commit inside their service function (and notify after the commit); within the
# record's savepoint that commits the batch so far, which is safe.
# Schemas hold no state between calls: one instance each serves every record.
KINDS: dict[str, RecordKind] = {
    "resident": RecordKind(
        ResidentSchema(), lambda area, data: residents.add_resident(area.user, data), ResidentSchema()
    ),
    "enrollment": RecordKind(SyncEnrollmentSchema(), _add_enrollment, EnrollmentSchema()),
    "visit": RecordKind(VisitSchema(), followups.add_visit, VisitSchema()),
    "followup": RecordKind(FollowUpSchema(), followups.add_followup, FollowUpSchema()),
    "referral": RecordKind(ReferralCreateSchema(), _create_referral, ReferralSchema()),
}


def _result(record_id: Any, kind: str | None, status: str, **extra: Any) -> dict[str, Any]:
    return {"id": None if record_id is None else str(record_id), "type": kind, "status": status, **extra}


def _push_one(area: followups.Area, record: Any) -> dict[str, Any]:
    """Apply one record in its own savepoint; never raises for the record's own faults."""
    if not isinstance(record, dict) or not isinstance(record.get("data"), dict):
        return _result(None, None, "invalid", code="validation_error", errors={"_schema": ["not a record"]})
    kind_name, raw = record.get("type"), record["data"]
    raw_id = raw.get("id")
    kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        errors = {"type": [f"must be one of {', '.join(KINDS)}"]}
        return _result(raw_id, None, "invalid", code="validation_error", errors=errors)
    try:
        row, created = in_own_savepoint(lambda: kind.apply(area, kind.load.load(raw)))
    except SchemaValidationError as error:
        errors = flatten_messages(error.messages)
        return _result(raw_id, kind_name, "invalid", code="validation_error", errors=errors)
    except ConflictError as error:
        return _result(raw_id, kind_name, "conflict", code=error.code, errors={"_schema": [error.message]})
    except APIError as error:
        errors = error.fields or {"_schema": [error.message]}
        return _result(raw_id, kind_name, "invalid", code=error.code, errors=errors)
    status = "created" if created else "unchanged"
    return _result(row.id, kind_name, status, record=kind.dump.dump(row))


class Position(NamedTuple):
    """A place in the change stream: sequence value, type rank, id."""

    seq: int
    rank: int
    id: uuid.UUID


@dataclass(frozen=True)
class Feed:
    """One type of record a client pulls, and which of them the caller may see."""

    name: str
    model: Any
    dump: type[Schema]
    visible: Callable[[User, Select[Any]], Select[Any]]


def _via_resident(user: User, query: Select[Any], model: Any) -> Select[Any]:
    return query.join(Resident, Resident.id == model.resident_id).where(resident_clause(user))


FEEDS: tuple[Feed, ...] = (
    Feed("residents", Resident, ResidentSchema, lambda user, q: q.where(resident_clause(user))),
    Feed("enrollments", Enrollment, EnrollmentSchema, lambda user, q: _via_resident(user, q, Enrollment)),
    Feed("followups", FollowUp, FollowUpSchema, lambda user, q: _via_resident(user, q, FollowUp)),
    Feed("referrals", Referral, ReferralSchema, lambda user, q: q.where(referral_clause(user))),
)
# Before everything: every row's sequence is at least 0.
START = Position(-1, len(FEEDS), uuid.UUID(int=0))


def encode_cursor(position: Position) -> str:
    """The opaque cursor string of a position."""
    raw = f"{position.seq}.{position.rank}.{position.id.hex}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position:
    """The position a cursor names; START for none; 422 for a cursor we did not make."""
    if not cursor:
        return START
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        seq, rank, hex_id = raw.split(".")
        position = Position(int(seq), int(rank), uuid.UUID(hex=hex_id))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("The cursor is not valid.", fields={"since": ["not a cursor"]}) from None
    if not 0 <= position.rank <= len(FEEDS):
        raise ValidationError("The cursor is not valid.", fields={"since": ["not a cursor"]})
    return position


def _after(model: Any, rank: int, since: Position) -> ColumnElement[bool]:
    """Rows of the feed of ``rank`` past ``since`` in (change_seq, rank, id) order."""
    if rank > since.rank:
        return model.change_seq >= since.seq
    if rank < since.rank:
        return model.change_seq > since.seq
    return or_(model.change_seq > since.seq, and_(model.change_seq == since.seq, model.id > since.id))


def pull_changes(user: User, since: Position, limit: int) -> tuple[dict[str, list[Any]], Position, bool]:
    """One page of the caller's area's changes after ``since``: ``(changes, last position, more)``."""
    keys: list[Position] = []
    for rank, feed in enumerate(FEEDS):
        model = feed.model
        query = select(model.change_seq, model.id).where(_after(model, rank, since))
        query = feed.visible(user, query).order_by(model.change_seq, model.id).limit(limit + 1)
        keys.extend(Position(seq, rank, row_id) for seq, row_id in db.session.execute(query))
    keys.sort()
    page, more = keys[:limit], len(keys) > limit
    changes: dict[str, list[Any]] = {}
    for rank, feed in enumerate(FEEDS):
        ids = [key.id for key in page if key.rank == rank]
        rows: list[Any] = (
            list(db.session.scalars(select(feed.model).where(feed.model.id.in_(ids)))) if ids else []
        )
        ordered = sorted(rows, key=lambda row: (row.change_seq, row.id))
        changes[feed.name] = feed.dump(many=True).dump(ordered)
    return changes, (page[-1] if page else since), more


def _named_residents(records: list[Any]) -> set[uuid.UUID]:
    """The residents the batch's records name (malformed ids are the records' own problem)."""
    named = set()
    for record in records:
        data = record.get("data") if isinstance(record, dict) else None
        raw = data.get("resident_id") if isinstance(data, dict) else None
        try:
            named.add(uuid.UUID(raw))
        except (TypeError, ValueError, AttributeError):
            continue
    return named


def sync(user: User, records: list[Any], since: str | None) -> dict[str, Any]:
    """Push ``records`` in order, then answer the changes after ``since`` (one page)."""
    limit = current_app.config["SYNC_MAX_RECORDS"]
    if len(records) > limit:
        raise PayloadTooLargeError(f"A sync batch holds at most {limit} records.")
    position = decode_cursor(since)
    area = followups.Area(user)
    area.prefetch_residents(_named_residents(records))
    results = [_push_one(area, record) for record in records]
    db.session.commit()
    changes, last, more = pull_changes(user, position, current_app.config["SYNC_PAGE_SIZE"])
    return {"results": results, "changes": changes, "cursor": encode_cursor(last), "more": more}
