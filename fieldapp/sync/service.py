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
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from flask import current_app
from marshmallow import Schema
from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy import ColumnElement, Select, and_, literal, or_, select, true, tuple_, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload

from fieldapp.api_messages import say
from fieldapp.audit.service import AuditValues, collected_entries, record_bulk_read, write_entries
from fieldapp.auth.models import User
from fieldapp.auth.scoping import FIELD_ROLES, referral_clause, resident_clause, village_clause
from fieldapp.contacts import service as contacts
from fieldapp.contacts.models import ContactAttempt
from fieldapp.contacts.schemas import ContactAttemptSchema
from fieldapp.contracts import offline as contract_offline
from fieldapp.contracts.models import Contract
from fieldapp.contracts.schemas import ContractSchema
from fieldapp.contracts.service import add_contract
from fieldapp.dbtypes import reserve_change_seq
from fieldapp.errors import APIError, BadRequestError, ConflictError, PayloadTooLargeError, flatten_messages
from fieldapp.extensions import db
from fieldapp.field_errors import localized
from fieldapp.followups import service as followups
from fieldapp.followups.models import Enrollment, FollowUp, Visit
from fieldapp.followups.schemas import (
    EnrollmentSchema,
    FollowUpSchema,
    PulledFollowUpSchema,
    SyncEnrollmentSchema,
    VisitSchema,
    pulled_followup,
)
from fieldapp.healthchecks import service as healthchecks
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.healthchecks.schemas import HealthCheckSchema
from fieldapp.http import storable, unstorable_fields
from fieldapp.idempotency import commit_keeping_loaded, in_own_savepoint, in_shared_savepoint
from fieldapp.org.models import Village
from fieldapp.patrols import service as patrols
from fieldapp.patrols.models import Patrol
from fieldapp.patrols.schemas import PatrolSchema
from fieldapp.referrals.models import Referral
from fieldapp.referrals.schemas import ReferralCreateSchema, ReferralSchema
from fieldapp.replies import service as replies
from fieldapp.replies.models import Reply
from fieldapp.replies.schemas import ReplySchema
from fieldapp.residents import service as residents
from fieldapp.residents.models import Resident
from fieldapp.residents.schemas import ResidentSchema
from fieldapp.schemas import Dumper
from fieldapp.screenings import offline as screening_offline
from fieldapp.screenings import service as screenings
from fieldapp.screenings.models import Screening
from fieldapp.screenings.schemas import ScreeningSchema
from fieldapp.sync.rows import insert_new_rows
from fieldapp.timeutil import local_today

Apply = Callable[[followups.Area, dict[str, Any]], tuple[Any, bool]]


@dataclass(frozen=True)
class RecordKind:
    """How one type of pushed record is loaded, applied and answered."""

    model: Any
    load: Schema
    apply: Apply
    dump: Schema
    # Commits the transaction inside its service function (see below).
    commits: bool = False
    # Changes other rows (closes enrollments, moves due dates): applied on its own, flushed.
    alone: bool = False


def _add_resident(area: followups.Area, data: dict[str, Any]) -> tuple[Any, bool]:
    return residents.add_resident(area.user, data, area.village_ids())


def _add_enrollment(area: followups.Area, data: dict[str, Any]) -> tuple[Any, bool]:
    resident_id = data.pop("resident_id")
    return followups.add_enrollment(area, resident_id, data)


def _create_referral(area: followups.Area, data: dict[str, Any]) -> tuple[Any, bool]:
    # Imported here: the referrals service imports the follow-ups service (mark_recheck_due).
    from fieldapp.referrals.service import create_referral

    return create_referral(area.user, data)


def _add_contract(area: followups.Area, data: dict[str, Any]) -> tuple[Any, bool]:
    if area.unflushed:  # the check for a second active contract reads earlier records: one by one
        raise followups.Unflushed
    return add_contract(area.user, data)


# Referrals commit inside their service function (and notify after the commit); within the
# record's savepoint that commits the batch so far, which is safe.
# Schemas hold no state between calls: one instance each serves every record.
KINDS: dict[str, RecordKind] = {
    "resident": RecordKind(Resident, ResidentSchema(), _add_resident, ResidentSchema()),
    "enrollment": RecordKind(Enrollment, SyncEnrollmentSchema(), _add_enrollment, EnrollmentSchema()),
    "visit": RecordKind(Visit, VisitSchema(), followups.add_visit, VisitSchema()),
    "followup": RecordKind(FollowUp, FollowUpSchema(), followups.add_followup, FollowUpSchema()),
    "referral": RecordKind(
        Referral, ReferralCreateSchema(), _create_referral, ReferralSchema(), commits=True
    ),
    "contract": RecordKind(Contract, ContractSchema(), _add_contract, ContractSchema()),
    "contact_attempt": RecordKind(
        ContactAttempt,
        ContactAttemptSchema(),
        contacts.add_contact_attempt,
        ContactAttemptSchema(),
        alone=True,
    ),
    "screening": RecordKind(Screening, ScreeningSchema(), screenings.add_screening, ScreeningSchema()),
    "health_check": RecordKind(
        HealthCheck, HealthCheckSchema(), healthchecks.add_health_check, HealthCheckSchema()
    ),
    # Extensions (CHANGELOG): changes to records phones hold, each answered under its own id.
    "screening_outcome": RecordKind(
        screening_offline.MODEL,
        screening_offline.LOAD,
        screening_offline.settle_offline,
        screening_offline.SettledOfflineSchema(),
        alone=True,
    ),
    "contract_termination": RecordKind(
        contract_offline.MODEL,
        contract_offline.LOAD,
        contract_offline.terminate_offline,
        contract_offline.TerminatedOfflineSchema(),
        alone=True,
    ),
}


# The answers' dumps, a thousand rows a push (see ``Dumper``).
ANSWERS: dict[str, Dumper] = {name: Dumper(kind.dump) for name, kind in KINDS.items()}


def _result(record_id: Any, kind: str | None, status: str, **extra: Any) -> dict[str, Any]:
    if "errors" in extra:  # in the caller's language, as every answer's field errors
        extra["errors"] = localized(extra["errors"])
    return {"id": None if record_id is None else str(record_id), "type": kind, "status": status, **extra}


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _as_instant(value: Any) -> datetime | None:
    """An ISO 8601 instant with an offset, in UTC; None for anything else (the schema will say)."""
    try:
        instant = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return instant.astimezone(UTC) if instant is not None and instant.tzinfo is not None else None


def _data_of(record: Any) -> dict[str, Any] | None:
    data = record.get("data") if isinstance(record, dict) else None
    return data if isinstance(data, dict) else None


class _Naming(NamedTuple):
    """A pushed record that names a resident, as ``Batch.look_up`` reads it."""

    kind: str | None
    id: uuid.UUID | None
    resident_id: uuid.UUID
    weighed: bool
    condition: str | None
    performed_at: datetime | None


@dataclass
class Batch:
    """One push: the caller's area and what is known of the batch's ids, read once."""

    area: followups.Area
    taken: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    # Rows of ids the batch repeats, held so replays are answered from the identity map.
    held: list[Any] = field(default_factory=list)
    # Audit entries of the records applied so far, written together (not one INSERT a record).
    audit: list[AuditValues] = field(default_factory=list)
    # The request's bytes showed that no text in it is unstorable (``body_text_storable``).
    text_checked: bool = False

    def write_audit(self) -> None:
        """Insert the collected audit entries, outside any record's savepoint."""
        write_entries(self.audit)
        self.audit.clear()

    def look_up(self, records: list[Any]) -> None:
        """Read the residents the records name and the rows their ids have, one query a type.

        A record whose id is stored already is a replay, answered as stored: the enrollments,
        heights and timelines that new records are checked against are read for the others only.
        """
        named: dict[str, set[uuid.UUID]] = {name: set() for name in KINDS}
        naming: list[_Naming] = []
        for record in records:
            data = _data_of(record)
            if data is None:
                continue
            kind, record_id = record.get("type"), _as_uuid(data.get("id"))
            if not isinstance(kind, str):  # answered invalid by ``_parse``; a list is no dict key
                kind = None
            if record_id is not None and kind in named:
                named[kind].add(record_id)
            resident_id = _as_uuid(data.get("resident_id"))
            if resident_id is not None:
                condition = data.get("condition")
                naming.append(
                    _Naming(
                        kind,
                        record_id,
                        resident_id,
                        weighed=data.get("weight_kg") is not None,  # its BMI needs the newest height
                        condition=condition if isinstance(condition, str) else None,
                        performed_at=_as_instant(data.get("performed_at")),
                    )
                )
        # The residents the batch names and the ones it sends, in one query.
        self.area.prefetch_residents({entry.resident_id for entry in naming} | named["resident"])
        for name, ids in named.items():
            model = KINDS[name].model
            if name == "resident":
                rows = self.area.known_residents(ids)
            else:
                rows = list(db.session.scalars(select(model).where(model.id.in_(ids)))) if ids else []
            self.held.extend(rows)
            self.taken[name] = {row.id for row in rows}
        new = [entry for entry in naming if entry.id not in self.taken.get(entry.kind or "", set())]
        self.area.prefetch_enrollments({entry.resident_id for entry in new})
        self.area.prefetch_heights({entry.resident_id for entry in new if entry.weighed})
        # A new follow-up's place among its enrollment's (a replayed one is answered as stored).
        self.area.prefetch_timelines(
            [
                (entry.resident_id, entry.condition, entry.performed_at)
                for entry in new
                if entry.kind == "followup" and entry.condition and entry.performed_at
            ]
        )

    def _parse(
        self, record: Any
    ) -> tuple[str, RecordKind, dict[str, Any], uuid.UUID | None] | dict[str, Any]:
        """The record's type, kind, data and id if the batch has not seen it; else its invalid result."""
        raw = _data_of(record)
        if raw is None:
            return _result(
                None, None, "invalid", code="validation_error", errors={"_schema": [say("not a record")]}
            )
        kind_name, raw_id = record.get("type"), raw.get("id")
        unstorable = None if self.text_checked else unstorable_fields(raw)
        if unstorable:
            shown_id = raw_id if isinstance(raw_id, str) and storable(raw_id) else None
            shown_type = kind_name if isinstance(kind_name, str) and kind_name in KINDS else None
            return _result(shown_id, shown_type, "invalid", code="validation_error", errors=unstorable)
        kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
        if kind is None:
            errors = {"type": [say(f"must be one of {', '.join(KINDS)}")]}
            return _result(raw_id, None, "invalid", code="validation_error", errors=errors)
        record_id = _as_uuid(raw_id)
        return kind_name, kind, raw, (record_id if record_id not in self.taken[kind_name] else None)

    def _applied(self, kind_name: str, row: Any, created: bool, entries: list[AuditValues]) -> None:
        self.taken[kind_name].add(row.id)
        self.area.recorded(row, created)
        self.audit.extend(entries)

    def push(self, record: Any) -> dict[str, Any]:
        """Apply one record in its own savepoint; never raises for the record's own faults."""
        parsed = self._parse(record)
        if isinstance(parsed, dict):
            return parsed
        kind_name, kind, raw, new_id = parsed
        raw_id = raw.get("id")
        if kind.commits:  # its commit must not take the entries' INSERTs into its savepoint
            self.write_audit()

        def attempt() -> tuple[tuple[Any, bool], list[AuditValues]]:
            if kind.commits:  # its audit entry is committed with it, by its service function
                return kind.apply(self.area, kind.load.load(raw)), []
            with collected_entries() as entries:
                return kind.apply(self.area, kind.load.load(raw)), entries

        try:
            (row, created), entries = in_own_savepoint(attempt, new_id)
        except SchemaValidationError as error:
            errors = flatten_messages(error.messages)
            return _result(raw_id, kind_name, "invalid", code="validation_error", errors=errors)
        except ConflictError as error:
            errors = {"_schema": [say(error.message)]}
            return _result(raw_id, kind_name, "conflict", code=error.code, errors=errors, **error.extra)
        except APIError as error:
            errors = error.fields or {"_schema": [say(error.message)]}
            return _result(raw_id, kind_name, "invalid", code=error.code, errors=errors)
        self._applied(kind_name, row, created, entries)
        return _answer(kind_name, row, created)

    def apply_together(self, record: Any, pending: list[Any]) -> tuple[str, Any, bool] | dict[str, Any]:
        """Apply one record, its new row left in ``pending``; raises ``_OneByOne`` on any fault.

        A record refused before it is read (not a record, an unknown type, text that cannot
        be stored) writes nothing: its ``invalid`` result is answered without going one by one.
        """
        parsed = self._parse(record)
        if isinstance(parsed, dict):
            return parsed
        if parsed[1].commits or parsed[1].alone:
            raise _OneByOne
        kind_name, kind, raw, new_id = parsed

        def attempt() -> tuple[tuple[Any, bool], list[AuditValues]]:
            with collected_entries() as entries:
                return kind.apply(self.area, kind.load.load(raw)), entries

        try:
            (row, created), entries = in_shared_savepoint(attempt, new_id, pending)
        except (SchemaValidationError, APIError, followups.Unflushed):
            raise _OneByOne from None
        self._applied(kind_name, row, created, entries)
        return kind_name, row, created


class _OneByOne(Exception):
    """A batch cannot be applied all together: roll it back and apply its records one by one."""


def _answer(kind_name: str, row: Any, created: bool) -> dict[str, Any]:
    return _result(row.id, kind_name, "created" if created else "unchanged", record=ANSWERS[kind_name](row))


def _push_together(user: User, records: list[Any], text_checked: bool) -> list[dict[str, Any]] | None:
    """Apply every record in one savepoint and one flush (SQLAlchemy batches the INSERTs).

    The common batch, every record new and valid, costs a few statements a table
    instead of a savepoint, an INSERT and a release a record. At the first record that
    is not simply applied (invalid, a conflict, a referral, a unique key broken at the
    flush) the savepoint is rolled back and None returned: the caller then applies the
    records one by one, each in its own savepoint, answering each as before.
    """
    batch = Batch(followups.Area(user, unflushed=True), text_checked=text_checked)
    pending: list[Any] = []
    savepoint = db.session.begin_nested()
    try:
        batch.look_up(records)
        applied = [batch.apply_together(record, pending) for record in records]
        insert_new_rows(pending)
        batch.write_audit()
    except (_OneByOne, IntegrityError):
        savepoint.rollback()
        return None
    savepoint.commit()
    # Dumped after the flush: created_at and the other column defaults are set by it.
    return [item if isinstance(item, dict) else _answer(*item) for item in applied]


def _push_one_by_one(user: User, records: list[Any], text_checked: bool) -> list[dict[str, Any]]:
    batch = Batch(followups.Area(user), text_checked=text_checked)
    batch.look_up(records)
    results = [batch.push(record) for record in records]
    batch.write_audit()
    return results


class Position(NamedTuple):
    """A place in the change stream: sequence value, type rank, id."""

    seq: int
    rank: int
    id: uuid.UUID


@dataclass(frozen=True)
class Feed:
    """One type of record a client pulls, and which of them the caller may see.

    ``rank`` orders rows sharing one sequence value and is written into phones' cursors:
    it is the feed's for good, never its position in ``FEEDS``.
    """

    name: str
    rank: int
    model: Any
    dump: type[Schema]
    visible: Callable[[User, Select[Any]], Select[Any]]
    # Readies a page's rows for the caller before they are dumped (e.g. whose names to show).
    prepare: Callable[[User, list[Any]], None] | None = None
    # Reads a page's rows by id (default: the model's rows, as its relationships load).
    load: Callable[[list[uuid.UUID]], list[Any]] | None = None


def _load_residents(ids: list[uuid.UUID]) -> list[Any]:
    """A page's residents with the active contract each dump shows, in one statement (not the
    village, nor a selectin load of every open contract with its team's members, their users
    and villages: a quarter of a pull page's time)."""
    columns, with_contract = followups.active_contract_of(Resident.id, Resident, local_today())
    rows = db.session.execute(
        with_contract(select(Resident, *columns).select_from(Resident))
        .where(Resident.id.in_(ids))
        .options(raiseload(Resident.village), raiseload(Resident.open_contracts))
    ).all()
    return [followups.read_contract(row[0], row[1:]) for row in rows]


@functools.cache
def _dumper(schema: type[Schema]) -> Dumper:
    """One ``Dumper`` a feed's schema (marshmallow's own dump was a third of a pull page's time)."""
    return Dumper(schema())


def _via_resident(user: User, query: Select[Any], model: Any) -> Select[Any]:
    return query.join(Resident, Resident.id == model.resident_id).where(resident_clause(user))


# Ranks are fixed (API.md): residents 0, enrollments 1, followups 2, referrals 3; 4 is the
# first edition's START and stays unused; replies 5, patrols 6, screenings 7, health_checks 8,
# contracts 9, contact_attempts 10. A new feed takes a new rank; no rank is ever reused.
FEEDS: tuple[Feed, ...] = (
    Feed(
        "residents",
        0,
        Resident,
        ResidentSchema,
        lambda user, q: q.where(resident_clause(user)),
        load=_load_residents,
    ),
    Feed("enrollments", 1, Enrollment, EnrollmentSchema, lambda user, q: _via_resident(user, q, Enrollment)),
    Feed("followups", 2, FollowUp, PulledFollowUpSchema, lambda user, q: _via_resident(user, q, FollowUp)),
    Feed("referrals", 3, Referral, ReferralSchema, lambda user, q: q.where(referral_clause(user))),
    Feed(
        "replies",
        5,
        Reply,
        ReplySchema,
        lambda user, q: q.where(replies.visible_clause(user)),
        prepare=replies.name_visible_residents,
    ),
    Feed("patrols", 6, Patrol, PatrolSchema, patrols.coming_for),
    Feed("screenings", 7, Screening, ScreeningSchema, lambda user, q: _via_resident(user, q, Screening)),
    Feed(
        "health_checks",
        8,
        HealthCheck,
        HealthCheckSchema,
        lambda user, q: _via_resident(user, q, HealthCheck),
    ),
    Feed("contracts", 9, Contract, ContractSchema, lambda user, q: _via_resident(user, q, Contract)),
    Feed(
        "contact_attempts",
        10,
        ContactAttempt,
        ContactAttemptSchema,
        lambda user, q: _via_resident(user, q, ContactAttempt),
    ),
)
# Before everything: every row's sequence is at least 0. Its rank is what the first edition
# wrote (one past its four feeds), so cursors phones hold from it stay valid.
START = Position(-1, 4, uuid.UUID(int=0))
# The ranks a cursor may carry: every feed's, START's, and room for feeds yet to come.
MAX_RANK = 31


def encode_cursor(position: Position) -> str:
    """The opaque cursor string of a position."""
    raw = f"{position.seq}.{position.rank}.{position.id.hex}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Sequence values are BIGINT: a cursor past them is not one we made (and would overflow the query).
MAX_SEQ = 2**63 - 1


def decode_cursor(cursor: str | None) -> Position:
    """The position a cursor names; START for none; 400 for a cursor we did not make."""
    if not cursor:
        return START
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        seq, rank, hex_id = raw.split(".")
        position = Position(int(seq), int(rank), uuid.UUID(hex=hex_id))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequestError("The cursor is not valid.", fields={"since": ["not a cursor"]}) from None
    if not (0 <= position.rank <= MAX_RANK and -1 <= position.seq <= MAX_SEQ):
        raise BadRequestError("The cursor is not valid.", fields={"since": ["not a cursor"]})
    return position


def _after(model: Any, rank: int, since: Position) -> ColumnElement[bool]:
    """Rows of the feed of ``rank`` past ``since`` in (change_seq, rank, id) order."""
    if rank > since.rank:
        return model.change_seq >= since.seq
    if rank < since.rank:
        return model.change_seq > since.seq
    return or_(model.change_seq > since.seq, and_(model.change_seq == since.seq, model.id > since.id))


# Feeds whose rows carry the village the caller's area is made of (a record's is its resident's,
# kept in step when the resident moves: residents.models.carries_village), each with an index on
# (village_id, change_seq, id): read village by village on PostgreSQL.
BY_VILLAGE = (Resident, Enrollment, FollowUp, Screening, HealthCheck, Contract, ContactAttempt)


def _keys(feed: Feed, user: User, since: Position, limit: int) -> Select[Any]:
    """The first ``limit`` (change_seq, id) of the feed's rows the caller sees after ``since``."""
    model = feed.model
    if (
        model in BY_VILLAGE
        and user.role in FIELD_ROLES
        and db.session.get_bind().dialect.name == "postgresql"
    ):
        return _keys_by_village(feed, user, since, limit)
    query = select(model.change_seq, model.id).where(_after(model, feed.rank, since))
    return feed.visible(user, query).order_by(model.change_seq, model.id).limit(limit)


def _keys_by_village(feed: Feed, user: User, since: Position, limit: int) -> Select[Any]:
    """As ``_keys``, read village by village: each village's first ``limit`` from the index on
    (village_id, change_seq, id), then the first ``limit`` of those.

    A township's first page otherwise sorted every resident of its villages (or walked the
    county's sequence index past other townships'): a cost that grew with the county. This one
    reads at most ``limit`` index entries a village, whatever the county's size.
    """
    model = feed.model
    area = select(Village.id.label("village_id")).where(village_clause(user)).subquery("area")
    # A row value, which the index reads as one range (the OR of ``_after`` it reads as a filter).
    after = (
        tuple_(model.change_seq, model.id) > tuple_(since.seq, since.id)
        if feed.rank == since.rank
        else _after(model, feed.rank, since)
    )
    per_village = (
        select(model.change_seq, model.id)
        .where(model.village_id == area.c.village_id, after)
        .order_by(model.change_seq, model.id)
        .limit(limit)
        .lateral("per_village")
    )
    return (
        select(per_village.c.change_seq, per_village.c.id)
        .select_from(area)
        .join(per_village, true())
        .order_by(per_village.c.change_seq, per_village.c.id)
        .limit(limit)
    )


# Answers of a push's records by (feed name, id): what a pull in the same request may send again.
Answered = dict[tuple[str, uuid.UUID], dict[str, Any]]


def _answered(results: list[dict[str, Any]]) -> Answered:
    """The records a push answered, by the feed they are pulled through (named by their type)."""
    return {
        (f"{result['type']}s", uuid.UUID(result["id"])): result["record"]
        for result in results
        if "record" in result
    }


def _as_pulled(feed: Feed) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """How a push's answer of a record becomes the feed's pulled form; None: dump the row again."""
    kind = KINDS.get(feed.name.removesuffix("s"))
    if kind is None or feed.prepare is not None:
        return None
    if type(kind.dump) is feed.dump:
        return lambda answer: answer
    if type(kind.dump) is FollowUpSchema and feed.dump is PulledFollowUpSchema:
        return pulled_followup
    return None


def pull_changes(
    user: User, since: Position, limit: int, answered: Answered | None = None
) -> tuple[dict[str, list[Any]], Position, bool]:
    """One page of the caller's area's changes after ``since``: ``(changes, last position, more)``.

    API.md: ``changes`` holds everything that changed after the cursor, a batch's own pushed
    records included (a client may read them from either place). ``answered``: the push's
    answers of rows unchanged since they were dumped, sent again instead of read and dumped anew.
    """
    # Every feed's first keys in one statement (one round trip, not one a feed).
    parts = []
    for feed in FEEDS:
        first = _keys(feed, user, since, limit + 1).subquery(f"feed_{feed.rank}")
        parts.append(select(first.c.change_seq, literal(feed.rank).label("rank"), first.c.id))
    keys = sorted(Position(seq, rank, row_id) for seq, rank, row_id in db.session.execute(union_all(*parts)))
    page, more = keys[:limit], len(keys) > limit
    changes: dict[str, list[Any]] = {}
    for feed in FEEDS:
        # In page order, which is (change_seq, id) within a feed.
        ids = [key.id for key in page if key.rank == feed.rank]
        as_pulled = _as_pulled(feed) if answered else None
        bodies: dict[uuid.UUID, dict[str, Any]] = {}
        if as_pulled is not None and answered is not None:
            bodies = {i: as_pulled(answered[(feed.name, i)]) for i in ids if (feed.name, i) in answered}
        missing = [i for i in ids if i not in bodies]
        rows: list[Any] = []
        if missing:
            rows = (
                feed.load(missing)
                if feed.load
                else list(db.session.scalars(select(feed.model).where(feed.model.id.in_(missing))))
            )
        if feed.prepare is not None:
            feed.prepare(user, rows)
        dump = _dumper(feed.dump)
        bodies.update((row.id, dump(row)) for row in rows)
        changes[feed.name] = [bodies[i] for i in ids]
    return changes, (page[-1] if page else since), more


def sync(user: User, records: list[Any], since: str | None, *, text_checked: bool = False) -> dict[str, Any]:
    """Push ``records`` in order, then answer the changes after ``since`` (one page).

    ``text_checked``: the request's bytes hold no unstorable text (each record's is not looked at).
    """
    limit = current_app.config["SYNC_MAX_RECORDS"]
    if len(records) > limit:
        raise PayloadTooLargeError(f"A sync batch holds at most {limit} records.")
    position = decode_cursor(since)
    results: list[dict[str, Any]] = []
    answered: Answered = {}
    if records:
        reserve_change_seq(db.session())
        together = _push_together(user, records, text_checked)
        if together is not None:
            # Answered after every record was applied: the rows are as the pull would dump them.
            results, answered = together, _answered(together)
        else:
            results = _push_one_by_one(user, records, text_checked)
    # The pull below reads rows this batch wrote: they need no reload.
    commit_keeping_loaded()
    changes, last, more = pull_changes(user, position, current_app.config["SYNC_PAGE_SIZE"], answered)
    pulled = sum(len(rows) for rows in changes.values())
    record_bulk_read(user, "sync", {"since": since, "pushed": len(records)}, pulled)
    return {"results": results, "changes": changes, "cursor": encode_cursor(last), "more": more}
