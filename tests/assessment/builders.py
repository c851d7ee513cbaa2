"""Builders for the assessment, verification and training tests: follow-ups by a named doctor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fieldapp.auth.models import User
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.residents.models import Resident


def utc(text: str) -> datetime:
    """An instant from ISO text with an offset."""
    return datetime.fromisoformat(text).astimezone(UTC)


def create_enrollment(
    resident: Resident, enrolled_on: date, condition: str = "hypertension", closed_on: date | None = None
) -> Enrollment:
    enrollment = Enrollment(
        resident_id=resident.id,
        village_id=resident.village_id,
        condition=condition,
        status="closed" if closed_on else "active",
        diagnosed_on=enrolled_on,
        enrolled_on=enrolled_on,
        closed_on=closed_on,
        close_reason="moved" if closed_on else None,
        next_due_on=enrolled_on,
    )
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def build_followup(
    enrollment: Enrollment,
    doctor: User | None,
    performed_at: str,
    *,
    mode: str = "clinic",
    classification: str = "controlled",
    next_due_on: date | None = None,
) -> FollowUp:
    """A follow-up added to the session (not committed): builders of many commit once."""
    at = utc(performed_at)
    local_day = datetime.fromisoformat(performed_at).date()
    followup = FollowUp(
        enrollment_id=enrollment.id,
        resident_id=enrollment.resident_id,
        condition=enrollment.condition,
        performed_at=at,
        mode=mode,
        sbp=150 if classification == "uncontrolled" else 128,
        dbp=85,
        classification=classification,
        next_due_on=next_due_on or local_day + timedelta(days=90 if classification == "controlled" else 14),
        performed_by=doctor.id if doctor else None,
    )
    db.session.add(followup)
    return followup


def create_followup(
    enrollment: Enrollment, doctor: User | None, performed_at: str, **fields: object
) -> FollowUp:
    followup = build_followup(enrollment, doctor, performed_at, **fields)  # type: ignore[arg-type]
    db.session.commit()
    return followup
