"""Contact attempts: record one (idempotent by id) and apply its result to the enrollments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from fieldapp.audit.service import record_access
from fieldapp.auth.models import User
from fieldapp.auth.scoping import resident_clause
from fieldapp.contacts.models import ContactAttempt
from fieldapp.contacts.rules import CLOSES_ENROLLMENTS, Result
from fieldapp.dbtypes import fixed
from fieldapp.errors import ValidationError
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.followups.service import ACTIVE, CLOSED, Area
from fieldapp.idempotency import commit_once, insert_once
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_date, utcnow

# A phone clock a little ahead is no lie; an attempt further in the future is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=10)


def _check(area: Area, data: dict[str, Any]) -> Resident:
    errors: dict[str, list[str]] = {}
    resident = db.session.scalar(
        select(Resident).where(Resident.id == data["resident_id"], resident_clause(area.user))
    )
    if resident is None:
        errors["resident_id"] = ["no such resident in your area"]
    if data["at"] > utcnow() + FUTURE_TOLERANCE:
        errors["at"] = ["must not be in the future"]
    if data["result"] == Result.WILL_COME:
        if data.get("come_on") is None:
            errors["come_on"] = ["required when the resident will come"]
        elif data["come_on"] < local_date(data["at"]):
            errors["come_on"] = ["must not be before the attempt"]
    elif data.get("come_on") is not None:
        errors["come_on"] = ["only when the resident will come"]
    if errors:
        raise ValidationError("Some fields are not valid.", fields=errors)
    assert resident is not None
    return resident


def _apply(attempt: ContactAttempt, resident: Resident) -> None:
    """The result's effect: a due date, a flagged phone, or the enrollments closed."""
    result = attempt.result
    if result == Result.WRONG_NUMBER:
        resident.phone_invalid = True
        return
    if result != Result.WILL_COME and result not in CLOSES_ENROLLMENTS:
        return
    active = db.session.scalars(
        select(Enrollment).where(Enrollment.resident_id == resident.id, Enrollment.status == fixed(ACTIVE))
    )
    for enrollment in active:
        if result == Result.WILL_COME:
            enrollment.next_due_on = attempt.come_on
        else:
            enrollment.status = CLOSED
            enrollment.close_reason = result
            enrollment.closed_on = max(local_date(attempt.at), enrollment.enrolled_on)
            enrollment.next_due_on = None


def add_contact_attempt(area: Area, data: dict[str, Any]) -> tuple[ContactAttempt, bool]:
    """Record an attempt (idempotent by id); a new one applies its result. The caller commits."""
    area.require_writer()
    resident = _check(area, data)

    def build(digest: str) -> ContactAttempt:
        values = {k: v for k, v in data.items() if k != "id" or v is not None}
        return ContactAttempt(
            **values, village_id=resident.village_id, request_hash=digest, recorded_by=area.user.id
        )

    attempt, created = insert_once(ContactAttempt, data, build)
    if created:
        _apply(attempt, resident)
        record_access(area.user, "create", "contact_attempt", attempt.id)
    return attempt, created


def record_contact_attempt(user: User, data: dict[str, Any]) -> tuple[ContactAttempt, bool]:
    """``POST /contact-attempts``; returns ``(attempt, created)``."""
    return commit_once(lambda: add_contact_attempt(Area(user), data))
