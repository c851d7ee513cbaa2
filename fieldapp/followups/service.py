"""Enrollments, follow-ups, visits and the follow-up queues.

The ``add_*`` functions do the work inside the caller's transaction (the sync
batch runs them in savepoints); the public ``create_*``/``record_*`` functions
are the endpoints' units of work and commit.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased, lazyload, load_only, raiseload

from fieldapp.audit.service import record_access, record_bulk_read
from fieldapp.auth.models import Role, User, user_villages
from fieldapp.auth.scoping import (
    FIELD_ROLES,
    can_write_residents,
    resident_clause,
    resident_village_clause,
    village_clause,
)
from fieldapp.contacts.models import ContactAttempt
from fieldapp.contracts.models import Contract, Team
from fieldapp.dbtypes import fixed
from fieldapp.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.followups import heights, rules
from fieldapp.followups.models import Enrollment, FollowUp, Visit
from fieldapp.followups.record import build_followup
from fieldapp.followups.rules import Classification, Condition, Measurements, QueueState
from fieldapp.followups.timelines import EARLIEST, Timeline, read_timelines
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.idempotency import commit_once, insert_once
from fieldapp.org.models import Village
from fieldapp.residents.models import ContractRead, Resident
from fieldapp.residents.schemas import contract_row
from fieldapp.residents.service import resident_key_group
from fieldapp.timeutil import local_date, local_today, utcnow

ACTIVE = "active"
CLOSED = "closed"
QUEUE_ROLES = (*FIELD_ROLES, Role.COUNTY_ADMIN)


class Unflushed(Exception):
    """The answer needs rows of the batch that are not flushed yet (the batch goes one record at a time)."""


# One resident, without the village rows the relationship joins (the area is added per caller).
_RESIDENT_BY_ID = (
    select(Resident).where(Resident.id == bindparam("resident_id")).options(lazyload(Resident.village))
)

# An enrollment's newest follow-up, (performed_at, id), and the classification of its newest
# face-to-face follow-up (the link of two in a row a later follow-up continues; None when none).
Newest = tuple[datetime, uuid.UUID, str | None]


@dataclass
class Area:
    """The caller and the villages they may write to, read once per request or sync batch."""

    user: User
    _village_ids: set[uuid.UUID] | None = field(default=None, repr=False)
    # Held strongly: a batch reads the same residents again (the identity map forgets them).
    _residents: dict[uuid.UUID, Resident] = field(default_factory=dict, repr=False)
    # Active enrollments by (resident, condition), None where there is none, as a batch knows them.
    _enrollments: dict[tuple[uuid.UUID, str], Enrollment | None] = field(default_factory=dict, repr=False)
    # The newest follow-up of enrollments where it is known: read with the enrollment, then
    # the newest of the batch's follow-ups (None: none yet).
    _newest: dict[uuid.UUID, Newest | None] = field(default_factory=dict, repr=False)
    # Set while a batch's new rows are not flushed yet: queries cannot see them.
    unflushed: bool = False
    # Enrollments the batch has recorded follow-ups of.
    _followed_up: set[uuid.UUID] = field(default_factory=set, repr=False)
    # Residents' newest heights (BMI), from follow-ups and health checks, as read or recorded.
    _heights: dict[uuid.UUID, heights.Height | None] = field(default_factory=dict, repr=False)
    # Enrollments a batch sends follow-ups older than their newest of: where those fall.
    _timelines: dict[uuid.UUID, Timeline] = field(default_factory=dict, repr=False)

    def prefetch_heights(self, resident_ids: set[uuid.UUID]) -> None:
        """Read these residents' newest heights in one query, for the records of a batch."""
        missing = resident_ids - self._heights.keys()
        if missing:
            found = heights.newest_heights(missing)
            self._heights.update((resident_id, found.get(resident_id)) for resident_id in missing)

    def newest_height(self, resident_id: uuid.UUID) -> float | None:
        """The resident's newest height, of a follow-up or a health check."""
        # A batch's own heights are kept as its records are applied (``recorded``): the
        # query, which cannot see them before the flush, reads only the stored ones.
        self.prefetch_heights({resident_id})
        newest = self._heights[resident_id]
        return None if newest is None else newest.cm

    def require_writer(self) -> None:
        """403 unless the caller's role records field data."""
        if not can_write_residents(self.user):
            raise ForbiddenError("Your role may not record follow-up data.")

    def village_ids(self) -> set[uuid.UUID]:
        """Ids of the villages in the caller's area."""
        if self._village_ids is None:
            self._village_ids = set(db.session.scalars(select(Village.id).where(village_clause(self.user))))
        return self._village_ids

    def prefetch_residents(self, resident_ids: set[uuid.UUID]) -> None:
        """Read these residents in one query, for the records of a batch that name them."""
        missing = resident_ids - self._residents.keys()
        if missing:
            found = db.session.scalars(select(Resident).where(Resident.id.in_(missing)))
            self._residents.update((resident.id, resident) for resident in found)

    def known_residents(self, resident_ids: set[uuid.UUID]) -> list[Resident]:
        """Those of these residents that were read (``prefetch_residents``) or recorded."""
        return [self._residents[i] for i in resident_ids if i in self._residents]

    def prefetch_enrollments(self, resident_ids: set[uuid.UUID]) -> None:
        """Read these residents' active enrollments and their newest follow-ups in one query."""
        if not resident_ids:
            return
        for resident_id in resident_ids:
            for condition in Condition:
                self._enrollments.setdefault((resident_id, str(condition)), None)
        found = db.session.execute(
            _WITH_NEWEST.where(Enrollment.resident_id.in_(resident_ids), Enrollment.status == fixed(ACTIVE))
        )
        for enrollment, performed_at, followup_id, chain in found:
            self._enrollments[(enrollment.resident_id, enrollment.condition)] = enrollment
            self._newest[enrollment.id] = _newest_of(performed_at, followup_id, chain)

    def prefetch_timelines(self, followups: list[tuple[uuid.UUID, str, datetime]]) -> None:
        """Read where a batch's follow-ups ``(resident, condition, performed_at)``, in batch order,
        fall when one is not newer than every earlier one of its enrollment: two queries."""
        newest = {enrollment_id: known[0] for enrollment_id, known in self._newest.items() if known}
        late: dict[uuid.UUID, datetime] = {}
        for resident_id, condition, performed_at in followups:
            enrollment = self._enrollments.get((resident_id, condition))
            if enrollment is None:
                continue
            if enrollment.id in newest and performed_at <= newest[enrollment.id]:
                late[enrollment.id] = min(performed_at, late.get(enrollment.id, performed_at))
            newest[enrollment.id] = max(performed_at, newest.get(enrollment.id, performed_at))
        if late:
            self._timelines.update(read_timelines(set(late), min(late.values())))

    def known_resident(self, resident_id: uuid.UUID) -> Resident | None:
        """A resident the batch holds (perhaps not flushed yet), else read; no area check."""
        return self._residents.get(resident_id) or db.session.get(Resident, resident_id)

    def remember(self, resident: Resident) -> None:
        """Keep a resident the batch has just recorded, for its later records."""
        self._residents[resident.id] = resident

    def recorded(self, row: Any, created: bool) -> None:
        """Keep what one record of a batch has just stored, for the batch's later records."""
        if isinstance(row, Resident):
            self.remember(row)
        elif isinstance(row, Enrollment) and row.status == ACTIVE:
            self._enrollments[(row.resident_id, row.condition)] = row
            if created:
                self._newest[row.id] = None
                self._timelines[row.id] = Timeline(EARLIEST, None)
        elif isinstance(row, FollowUp) and created:
            self._followed_up.add(row.enrollment_id)
            if row.enrollment_id in self._timelines:
                entry = (row.performed_at, row.id, row.measured, row.classification)
                self._timelines[row.enrollment_id].add(entry)
            if row.enrollment_id in self._newest:
                newest = self._newest[row.enrollment_id]
                if newest is None or newest[:2] < (row.performed_at, row.id):
                    chain = row.classification if row.measured else (newest[2] if newest else None)
                    self._newest[row.enrollment_id] = (row.performed_at, row.id, chain)
            self._keep_height(row.resident_id, heights.of_followup(row))
        elif isinstance(row, HealthCheck) and created:
            self._keep_height(row.resident_id, heights.of_health_check(row))

    def _keep_height(self, resident_id: uuid.UUID, height: heights.Height | None) -> None:
        if height is not None:
            self.prefetch_heights({resident_id})  # the stored newest first: the batch's may be older
            self._heights[resident_id] = heights.newer(self._heights[resident_id], height)

    def active_enrollment(self, resident_id: uuid.UUID, condition: str) -> Enrollment | None:
        """The resident's active enrollment of ``condition``, if any."""
        key = (resident_id, condition)
        if key not in self._enrollments:
            enrollment, newest = _active_enrollment_and_newest(resident_id, condition)
            self._enrollments[key] = enrollment
            if enrollment is not None:
                self._newest[enrollment.id] = newest
        return self._enrollments[key]

    def previous_and_newest(
        self, enrollment_id: uuid.UUID, performed_at: datetime, followup_id: uuid.UUID
    ) -> tuple[Classification | None, bool]:
        """As ``_previous_and_newest``, without a query where the batch knows the newest follow-up."""
        if enrollment_id in self._newest:
            newest = self._newest[enrollment_id]
            if newest is None:
                return None, True
            if newest[:2] < (performed_at, followup_id):
                return (Classification(newest[2]) if newest[2] else None), True
        timeline = self._timelines.get(enrollment_id)
        if timeline is not None and timeline.covers(performed_at):
            return timeline.previous_and_newest(performed_at, followup_id)
        if self.unflushed and enrollment_id in self._followed_up:
            raise Unflushed
        return _previous_and_newest(enrollment_id, performed_at, followup_id)

    def resident(self, resident_id: uuid.UUID) -> Resident:
        """A resident of the caller's area, or 404."""
        resident = self._residents.get(resident_id)
        if resident is None:
            # One query, the area in SQL, without the village rows the relationship joins.
            resident = db.session.scalar(
                _RESIDENT_BY_ID.where(resident_village_clause(self.user, Resident.village_id)),
                {"resident_id": resident_id},
            )
        elif resident.village_id not in self.village_ids():
            resident = None
        if resident is None:
            raise NotFoundError("No such resident.")
        self.remember(resident)
        return resident


def _invalid(field_name: str, message: str) -> ValidationError:
    return ValidationError("Some fields are not valid.", fields={field_name: [message]})


# --- enrollments -------------------------------------------------------------------------------


def _active_enrollment(resident_id: uuid.UUID, condition: str) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.resident_id == resident_id,
            Enrollment.condition == condition,
            Enrollment.status == fixed(ACTIVE),
        )
    )


# Built once, with bind parameters: the alias and the statement cost more to build than to run.
_LATEST = aliased(FollowUp, name="latest")
_LATEST_ID = (
    select(FollowUp.id)
    .where(FollowUp.enrollment_id == Enrollment.id)
    .order_by(FollowUp.performed_at.desc(), FollowUp.id.desc())
    .limit(1)
    .correlate(Enrollment)
    .scalar_subquery()
)
_CHAIN = (
    select(FollowUp.classification)
    .where(FollowUp.enrollment_id == Enrollment.id, FollowUp.measured.is_(True))
    .order_by(FollowUp.performed_at.desc(), FollowUp.id.desc())
    .limit(1)
    .correlate(Enrollment)
    .scalar_subquery()
)
_WITH_NEWEST = select(Enrollment, _LATEST.performed_at, _LATEST.id, _CHAIN).outerjoin(
    _LATEST, _LATEST.id == _LATEST_ID
)
_ACTIVE_WITH_NEWEST = _WITH_NEWEST.where(
    Enrollment.resident_id == bindparam("resident_id"),
    Enrollment.condition == bindparam("condition"),
    Enrollment.status == fixed(ACTIVE),
)


def _newest_of(
    performed_at: datetime | None, followup_id: uuid.UUID | None, chain: str | None
) -> Newest | None:
    if performed_at is None or followup_id is None:
        return None
    return performed_at, followup_id, chain


def _active_enrollment_and_newest(
    resident_id: uuid.UUID, condition: str
) -> tuple[Enrollment | None, Newest | None]:
    """The active enrollment of ``condition`` and its newest follow-up, in one query."""
    row = db.session.execute(
        _ACTIVE_WITH_NEWEST, {"resident_id": resident_id, "condition": condition}
    ).first()
    if row is None:
        return None, None
    enrollment, performed_at, followup_id, chain = row
    return enrollment, _newest_of(performed_at, followup_id, chain)


def _raise_already_enrolled(resident_id: uuid.UUID, condition: str) -> None:
    existing = _active_enrollment(resident_id, condition)
    if existing is not None:
        raise ConflictError(
            f"The resident has an active {condition} enrollment already.",
            extra={"existing_id": str(existing.id)},
        )


def add_enrollment(area: Area, resident_id: uuid.UUID, data: dict[str, Any]) -> tuple[Enrollment, bool]:
    """Enroll a resident (idempotent by id), due for a first follow-up on ``enrolled_on``."""
    area.require_writer()
    resident = area.resident(resident_id)
    today = local_today()
    enrolled_on = data.get("enrolled_on") or today
    if data["diagnosed_on"] > today:
        raise _invalid("diagnosed_on", "must not be in the future")
    if not resident.birth_date <= enrolled_on <= today:
        raise _invalid("enrolled_on", "must lie between the resident's birth and today")

    def build(digest: str) -> Enrollment:
        # A second active enrollment of the condition fails the unique index: on_conflict answers it.
        return Enrollment(
            id=data.get("id") or uuid.uuid4(),
            resident_id=resident.id,
            village_id=resident.village_id,
            condition=data["condition"],
            status=ACTIVE,
            diagnosed_on=data["diagnosed_on"],
            enrolled_on=enrolled_on,
            next_due_on=enrolled_on,
            request_hash=digest,
            created_by=area.user.id,
        )

    # The resident is part of the body: the same id for another resident is a conflict.
    enrollment, created = insert_once(
        Enrollment,
        {**data, "resident_id": resident.id},
        build,
        on_conflict=lambda _error: _raise_already_enrolled(resident.id, data["condition"]),
    )
    if created:
        record_access(area.user, "create", "enrollment", enrollment.id)
    return enrollment, created


def create_enrollment(user: User, resident_id: uuid.UUID, data: dict[str, Any]) -> tuple[Enrollment, bool]:
    """``POST /residents/{id}/enrollments``; returns ``(enrollment, created)``."""
    return commit_once(lambda: add_enrollment(Area(user), resident_id, data))


def _visible_enrollment(user: User, enrollment_id: uuid.UUID) -> Enrollment:
    enrollment = db.session.scalar(
        select(Enrollment)
        .join(Resident, Resident.id == Enrollment.resident_id)
        .where(Enrollment.id == enrollment_id, resident_clause(user))
    )
    if enrollment is None:
        raise NotFoundError("No such enrollment.")
    return enrollment


def close_enrollment(user: User, enrollment_id: uuid.UUID, data: dict[str, Any]) -> Enrollment:
    """Close an enrollment (DOMAIN.md "Closing and losing track"): it leaves every queue.

    Closing it again with the same reason answers the closed enrollment; another reason is 409.
    """
    Area(user).require_writer()
    enrollment = _visible_enrollment(user, enrollment_id)
    closed_on = data.get("closed_on") or local_today()
    if enrollment.status == CLOSED:
        if enrollment.close_reason == data["reason"] and data.get("closed_on") in (
            None,
            enrollment.closed_on,
        ):
            return enrollment
        raise ConflictError("The enrollment is closed already.", code="invalid_transition")
    if closed_on > local_today():
        raise _invalid("closed_on", "must not be in the future")
    if closed_on < enrollment.enrolled_on:
        raise _invalid("closed_on", "must not be before enrolled_on")
    if data.get("death_on") is not None and data["death_on"] > closed_on:
        raise _invalid("death_on", "must not be after closed_on")
    enrollment.status = CLOSED
    enrollment.close_reason = data["reason"]
    enrollment.closed_on = closed_on
    enrollment.death_on = data.get("death_on")
    enrollment.death_cause = data.get("death_cause")
    enrollment.close_note = data.get("note")
    # No due date: a scan that forgets to check the status still finds nothing to remind.
    enrollment.next_due_on = None
    record_access(user, "update", "enrollment", enrollment.id)
    db.session.commit()
    return enrollment


def mark_recheck_due(enrollment_id: uuid.UUID, due_on: date) -> None:
    """Bring an active enrollment's next follow-up forward to ``due_on`` (the caller commits)."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.status != ACTIVE:
        return
    if enrollment.next_due_on is None or due_on < enrollment.next_due_on:
        enrollment.next_due_on = due_on


# --- follow-ups --------------------------------------------------------------------------------


def _check_followup(resident: Resident, data: dict[str, Any]) -> None:
    # The schema has checked each field and the rules across fields; these need the resident.
    errors: dict[str, list[str]] = {}
    tolerance = timedelta(minutes=rules.RULES["future_tolerance_minutes"].value)
    if data["performed_at"] > utcnow() + tolerance:
        errors["performed_at"] = [f"must not be more than {tolerance.seconds // 60} minutes in the future"]
    elif local_date(data["performed_at"]) < resident.birth_date:
        errors["performed_at"] = ["must not be before the resident's birth"]
    if errors:
        raise ValidationError("Some fields are not valid.", fields=errors)


def _before(performed_at: datetime, followup_id: uuid.UUID) -> ColumnElement[bool]:
    """Follow-ups earlier than (performed_at, id): ties at one instant are ordered by id."""
    return or_(
        FollowUp.performed_at < performed_at,
        and_(FollowUp.performed_at == performed_at, FollowUp.id < followup_id),
    )


def _previous_and_newest(
    enrollment_id: uuid.UUID, performed_at: datetime, followup_id: uuid.UUID
) -> tuple[Classification | None, bool]:
    """The classification of the face-to-face follow-up just before this one, and whether this one is newest.

    Phone follow-ups are not links of the two-in-a-row chain, nor a classification to inherit.
    """
    newest_first = (FollowUp.performed_at.desc(), FollowUp.id.desc())
    in_enrollment = FollowUp.enrollment_id == enrollment_id
    latest = db.session.execute(
        select(FollowUp.performed_at, FollowUp.id, FollowUp.classification, FollowUp.measured)
        .where(in_enrollment)
        .order_by(*newest_first)
        .limit(1)
    ).first()
    if latest is None:
        return None, True
    newest = (latest.performed_at, latest.id) < (performed_at, followup_id)
    if newest and latest.measured:
        return Classification(latest.classification), True
    previous = db.session.scalar(
        select(FollowUp.classification)
        .where(in_enrollment, FollowUp.measured.is_(True), _before(performed_at, followup_id))
        .order_by(*newest_first)
        .limit(1)
    )
    return (Classification(previous) if previous else None), newest


def add_followup(area: Area, data: dict[str, Any]) -> tuple[FollowUp, bool]:
    """Record and classify a follow-up (idempotent by id); returns ``(followup, created)``.

    The enrollment's next due date follows its newest follow-up by ``performed_at``,
    so a late upload of an older follow-up leaves it alone. Stored answers of later
    follow-ups are never rewritten: their referral flag is what the doctor was told.
    """
    area.require_writer()
    resident = area.resident(data["resident_id"])
    _check_followup(resident, data)

    def build(digest: str) -> FollowUp:
        enrollment = area.active_enrollment(resident.id, data["condition"])
        if enrollment is None:
            raise _invalid("condition", f"the resident has no active {data['condition']} enrollment")
        followup_id = data.get("id") or uuid.uuid4()
        previous, newest = area.previous_and_newest(enrollment.id, data["performed_at"], followup_id)
        measured = data["mode"] != rules.PHONE
        performed_on = local_date(data["performed_at"])
        outcome = rules.assess(
            Measurements(
                condition=Condition(data["condition"]),
                sbp=data.get("sbp"),
                dbp=data.get("dbp"),
                heart_rate=data.get("heart_rate"),
                fasting_glucose=data.get("fasting_glucose"),
                danger_signs=tuple(data.get("danger_signs") or ()),
                adverse_reaction=data.get("adverse_reaction", False),
                new_complication=data.get("new_complication", False),
                worsened_complication=data.get("worsened_complication", False),
                measured=measured,
            ),
            birth_date=resident.birth_date,
            performed_on=performed_on,
            previous=previous,
            current_due_on=enrollment.next_due_on,
        )
        due_on = data.get("next_due_on") or outcome.next_due_on
        wrong = rules.appointment_errors(data.get("next_due_on"), performed_on, outcome.next_due_on)
        if wrong:
            raise ValidationError("Some fields are not valid.", fields={"next_due_on": wrong})
        if newest:  # flushed with the insert, and undone with it if the insert loses a race
            enrollment.next_due_on = due_on
        height = data.get("height_cm") or (
            area.newest_height(resident.id) if data.get("weight_kg") is not None else None
        )
        return build_followup(
            data,
            followup_id=followup_id,
            enrollment_id=enrollment.id,
            village_id=resident.village_id,
            outcome=outcome,
            next_due_on=due_on,
            measured=measured,
            height_cm=height,
            request_hash=digest,
            performed_by=area.user.id,
        )

    followup, created = insert_once(FollowUp, data, build)
    if created:
        record_access(area.user, "create", "followup", followup.id)
    return followup, created


def record_followup(user: User, data: dict[str, Any]) -> tuple[FollowUp, bool]:
    """``POST /followups``; returns ``(followup, created)``."""
    return commit_once(lambda: add_followup(Area(user), data))


def list_followups(
    user: User, resident_id: uuid.UUID, page: int, per_page: int
) -> tuple[list[FollowUp], int]:
    """A resident's follow-ups, newest first (404 outside the caller's area)."""
    from fieldapp.residents.service import resident_records_page

    return resident_records_page(user, FollowUp, resident_id, FollowUp.performed_at, page, per_page)


# --- visits ------------------------------------------------------------------------------------


def add_visit(area: Area, data: dict[str, Any]) -> tuple[Visit, bool]:
    """Log a visit to a village of the caller's area (idempotent by id)."""
    area.require_writer()
    if data["village_id"] not in area.village_ids():
        # As for residents and patrols: a village in the body outside the area is a field error.
        raise _invalid("village_id", "no such village in your area")
    if data.get("resident_id") is not None:
        resident = area.known_resident(data["resident_id"])
        if resident is None or resident.village_id != data["village_id"]:
            raise _invalid("resident_id", "no such resident in this village")
    tolerance = timedelta(minutes=rules.RULES["future_tolerance_minutes"].value)
    if data["visited_at"] > utcnow() + tolerance:
        raise _invalid("visited_at", "must not be in the future")

    def build(digest: str) -> Visit:
        values = {k: v for k, v in data.items() if k != "id" or v is not None}
        return Visit(**values, request_hash=digest, performed_by=area.user.id)

    return insert_once(Visit, data, build)


def record_visit(user: User, data: dict[str, Any]) -> tuple[Visit, bool]:
    """``POST /visits``; returns ``(visit, created)``."""
    return commit_once(lambda: add_visit(Area(user), data))


# --- queues ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """One row of a follow-up queue."""

    resident: Resident
    enrollment_id: uuid.UUID | None
    condition: str
    due_on: date
    days_overdue: int
    state: str
    last_followup: FollowUp | None
    doctor: dict[str, Any] | None
    # The newest attempt to reach the resident, or None.
    last_contact: ContactAttempt | None = None
    # The screening waiting for confirmation (``status=screening`` only).
    screening_id: uuid.UUID | None = None


def _due_window(status: str, today: date) -> ColumnElement[bool]:
    """The due dates of one queue; ``all`` is due and overdue together (due on or before today + 7)."""
    window_end = today + timedelta(days=int(rules.RULES["due_window_days"].value))
    due = Enrollment.next_due_on
    if status == QueueState.DUE:
        return and_(due >= today, due <= window_end)
    if status == QueueState.OVERDUE:
        return due < today
    if status == QueueState.LOST:
        return due < today - timedelta(days=int(rules.RULES["lost_after_days"].value))
    return due <= window_end


def _queue_conditions(user: User, filters: dict[str, Any], today: date) -> list[ColumnElement[bool]]:
    conditions = [
        Enrollment.status == fixed(ACTIVE),
        _due_window(filters.get("status") or "all", today),
        resident_village_clause(user, Enrollment.village_id),
    ]
    if filters.get("condition"):
        conditions.append(Enrollment.condition == filters["condition"])
    if filters.get("village_id"):
        conditions.append(Enrollment.village_id == filters["village_id"])
    if filters.get("village_ids") is not None:  # the console's "by doctor": the doctor's villages
        conditions.append(Enrollment.village_id.in_(filters["village_ids"]))
    if filters.get("township_id"):
        in_township = select(Village.id).where(Village.township_id == filters["township_id"])
        conditions.append(Enrollment.village_id.in_(in_township))
    if filters.get("key_group"):
        in_group = select(Resident.id).where(resident_key_group(filters["key_group"]))
        conditions.append(Enrollment.resident_id.in_(in_group))
    return conditions


def _by_due(due_on: Any, row_id: Any, newest_first: bool) -> tuple[Any, Any]:
    return (due_on.desc(), row_id.desc()) if newest_first else (due_on, row_id)


@functools.cache
def responsible_doctors() -> tuple[Any, Any]:
    """The responsible doctor of each village (its active village doctor, first by username):
    a subquery ``(village_id, username)`` and the ``User`` alias to join it to (built once: every
    queue page joins the same)."""
    responsible = (
        select(user_villages.c.village_id, func.min(User.username).label("username"))
        .join(User, User.id == user_villages.c.user_id)
        .where(User.role == Role.VILLAGE_DOCTOR, User.active.is_(True))
        .group_by(user_villages.c.village_id)
        .subquery("responsible")
    )
    return responsible, aliased(User, name="doctor")


@functools.cache
def _alias(entity: Any, name: str) -> Any:
    """One alias of a mapped class, made once: making one builds a proxy of each column (a
    millisecond for a wide table), and every queue page joins the same."""
    return aliased(entity, name=name)


def last_contact_of(resident_id: Any, outer: Any) -> tuple[Any, Any]:
    """The newest contact attempt of each queue row's resident: the ``ContactAttempt`` alias to
    outer-join and the id to join it on (one index probe of ``(resident_id, at)`` a row)."""
    contact = _alias(ContactAttempt, "last_contact")
    contact_id = (
        select(ContactAttempt.id)
        .where(ContactAttempt.resident_id == resident_id)
        .order_by(ContactAttempt.at.desc(), ContactAttempt.id.desc())
        .limit(1)
        .correlate(outer)
        .scalar_subquery()
    )
    return contact, contact_id


@functools.cache
def queue_resident_options() -> tuple[Any, ...]:
    """How a queue page loads its residents: no village, and no open contracts (the page reads the
    active one in its own statement: ``active_contract_of``)."""
    return (raiseload(Resident.village), raiseload(Resident.open_contracts))


@functools.cache
def _latest_followup_options() -> tuple[Any, ...]:
    """A queue row's last follow-up in brief: the columns it shows, not the form's record JSON
    or its medicines (a statement a page)."""
    from fieldapp.followups.schemas import LAST_FOLLOWUP_FIELDS

    brief = [getattr(_LATEST, name) for name in LAST_FOLLOWUP_FIELDS]
    return (load_only(*brief, raiseload=True), raiseload(_LATEST.medication_rows))


def active_contract_of(resident_id: Any, outer: Any, today: date) -> tuple[tuple[Any, ...], Any]:
    """The active contract of each queue row's resident, as ``Resident.active_contract`` picks it
    (covering today, else the next to start), in the page's own statement (an index probe a row,
    not a query a page): its columns for ``read_contract``, and a function that outer-joins the
    contract and its team to a statement selecting them."""
    contract, team = _alias(Contract, "active_contract"), _alias(Team, "contract_team")
    contract_id = (
        select(Contract.id)
        .where(
            Contract.resident_id == resident_id, Contract.terminated_on.is_(None), Contract.ends_on >= today
        )
        .order_by(Contract.starts_on > today, Contract.starts_on, Contract.id)
        .limit(1)
        .correlate(outer)
        .scalar_subquery()
    )
    columns = (contract.id, contract.team_id, team.name, contract.starts_on, contract.ends_on)

    def join(statement: Any) -> Any:
        return statement.outerjoin(contract, contract.id == contract_id).outerjoin(
            team, team.id == contract.team_id
        )

    return columns, join


def read_contract(resident: Resident, columns: Sequence[Any]) -> Resident:
    """The resident, knowing the active contract whose columns (``active_contract_of``) came with it."""
    resident.read_contract(ContractRead(contract_row(*columns)))
    return resident


def doctor_of(doctor_id: Any, name: Any, username: Any, phone: Any) -> dict[str, Any] | None:
    """A queue row's responsible doctor, or None when the village has none."""
    if doctor_id is None:
        return None
    return {"id": doctor_id, "name": name, "username": username, "phone": phone}


def queue_page(
    user: User,
    filters: dict[str, Any],
    page: int,
    per_page: int,
    today: date | None = None,
    *,
    audit_action: str = "list",
) -> tuple[list[QueueItem], int]:
    """One page of a follow-up queue and its total: two SQL statements (the page with its
    residents' active contracts, and the total) and the audit entry, written with the answer."""
    if user.role not in QUEUE_ROLES:
        raise ForbiddenError("Your role has no follow-up queue.")
    today = today or local_today()
    if filters.get("status") in ("screening", "health_check"):
        # Imported here: both areas build on this module (Area, the responsible doctor).
        from fieldapp.healthchecks.service import health_check_queue_page
        from fieldapp.screenings.service import screening_queue_page

        page_of = screening_queue_page if filters["status"] == "screening" else health_check_queue_page
        found, count = page_of(user, filters, page, per_page, today)
        record_bulk_read(
            user, "queue", {**filters, "page": page, "per_page": per_page}, len(found), action=audit_action
        )
        return found, count
    conditions = _queue_conditions(user, filters, today)
    # Oldest due first (API.md); the console may ask for the newest first with sort=due_desc.
    newest_first = filters.get("sort") == "due_desc"
    keys = (
        select(
            Enrollment.id.label("id"),
            Enrollment.next_due_on.label("due_on"),
            Enrollment.condition,
            Enrollment.resident_id,
            Enrollment.village_id,
        )
        .where(*conditions)
        .order_by(*_by_due(Enrollment.next_due_on, Enrollment.id, newest_first))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page")
    )
    latest = _LATEST
    latest_id = (
        select(FollowUp.id)
        .where(FollowUp.enrollment_id == keys.c.id)
        .order_by(FollowUp.performed_at.desc(), FollowUp.id.desc())
        .limit(1)
        .correlate(keys)
        .scalar_subquery()
    )
    responsible, doctor = responsible_doctors()
    contact, contact_id = last_contact_of(keys.c.resident_id, keys)
    contract_columns, with_contract = active_contract_of(keys.c.resident_id, keys, today)
    statement = (
        select(
            keys.c.id,
            keys.c.due_on,
            keys.c.condition,
            Resident,
            latest,
            doctor.id,
            doctor.name,
            doctor.username,
            doctor.phone,
            contact,
            *contract_columns,
        )
        .select_from(keys)
        .join(Resident, Resident.id == keys.c.resident_id)
        .outerjoin(latest, latest.id == latest_id)
        .outerjoin(responsible, responsible.c.village_id == keys.c.village_id)
        .outerjoin(doctor, doctor.username == responsible.c.username)
        .outerjoin(contact, contact.id == contact_id)
    )
    rows = db.session.execute(
        with_contract(statement)
        .order_by(*_by_due(keys.c.due_on, keys.c.id, newest_first))
        .options(*queue_resident_options(), *_latest_followup_options())
    ).all()
    total = db.session.scalar(select(func.count(Enrollment.id)).where(*conditions)) or 0
    items = []
    for (
        enrollment_id,
        due_on,
        condition,
        resident,
        followup,
        doctor_uid,
        name,
        username,
        phone,
        contact,
        *contract_row_columns,
    ) in rows:
        items.append(
            QueueItem(
                resident=read_contract(resident, contract_row_columns),
                enrollment_id=enrollment_id,
                condition=condition,
                due_on=due_on,
                days_overdue=max(0, (today - due_on).days),
                state=str(rules.queue_state(due_on, today)),
                last_followup=followup,
                last_contact=contact,
                doctor=doctor_of(doctor_uid, name, username, phone),
            )
        )
    record_bulk_read(
        user, "queue", {**filters, "page": page, "per_page": per_page}, len(items), action=audit_action
    )
    return items, total
