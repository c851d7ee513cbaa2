"""Builders for enrollments, follow-ups, visits, referrals and messages written straight to the database."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp, Visit
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.messaging.models import Message
from fieldapp.org.models import Facility, Township, Village
from fieldapp.referrals.models import Referral
from fieldapp.residents.models import Resident
from fieldapp.screenings.models import Screening, ScreeningOutcome

_serial = itertools.count(1)


def create_enrollment(
    resident: Resident,
    condition: str,
    enrolled_on: date,
    *,
    closed_on: date | None = None,
    next_due_on: date | None = None,
) -> Enrollment:
    enrollment = Enrollment(
        resident_id=resident.id,
        condition=condition,
        status="closed" if closed_on else "active",
        diagnosed_on=enrolled_on,
        enrolled_on=enrolled_on,
        closed_on=closed_on,
        close_reason="moved" if closed_on else None,
        next_due_on=next_due_on or enrolled_on,
    )
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def utc(text: str) -> datetime:
    """An instant from ISO text with an offset (``Z`` or ``+08:00``)."""
    return datetime.fromisoformat(text).astimezone(UTC)


def create_followup(
    enrollment: Enrollment, performed_at: str, mode: str = "clinic", classification: str = "controlled"
) -> FollowUp:
    at = utc(performed_at)
    followup = FollowUp(
        enrollment_id=enrollment.id,
        resident_id=enrollment.resident_id,
        condition=enrollment.condition,
        performed_at=at,
        mode=mode,
        sbp=150 if classification == "uncontrolled" else 128,
        dbp=85,
        fasting_glucose=6.1 if enrollment.condition == "diabetes" else None,
        classification=classification,
        next_due_on=at.date() + timedelta(days=90 if classification == "controlled" else 14),
    )
    db.session.add(followup)
    db.session.commit()
    return followup


def create_visit(village: Village, visited_at: datetime, purpose: str = "patrol") -> Visit:
    visit = Visit(village_id=village.id, visited_at=visited_at, purpose=purpose)
    db.session.add(visit)
    db.session.commit()
    return visit


def create_referral(
    resident: Resident, facility: Facility, township: Township, status: str, created_at: datetime
) -> Referral:
    referral = Referral(
        number=next(_serial),
        resident_id=resident.id,
        facility_id=facility.id,
        township_id=township.id,
        urgency="routine",
        reason="血压控制不佳",
        status=status,
        ack_deadline=created_at + timedelta(hours=24),
        created_at=created_at,
    )
    db.session.add(referral)
    db.session.commit()
    return referral


def create_message(township: Township | None, status: str, created_at: datetime) -> Message:
    message = Message(
        dedupe_key=f"test:{next(_serial)}",
        to="+8613900000000",
        township_id=township.id if township else None,
        kind="reminder",
        body="请按时随访。回复TD退订",
        status=status,
        created_at=created_at,
    )
    db.session.add(message)
    db.session.commit()
    return message


def create_measured_followup(
    enrollment: Enrollment,
    performed_at: str,
    sbp: int,
    dbp: int,
    *,
    fasting_glucose: float | None = None,
    mode: str = "clinic",
    classification: str = "controlled",
    complete: bool = True,
) -> FollowUp:
    """A follow-up with the readings given (the classification as the server stored it)."""
    at = utc(performed_at)
    followup = FollowUp(
        enrollment_id=enrollment.id,
        resident_id=enrollment.resident_id,
        condition=enrollment.condition,
        performed_at=at,
        mode=mode,
        sbp=sbp,
        dbp=dbp,
        fasting_glucose=fasting_glucose,
        classification=classification,
        next_due_on=at.date() + timedelta(days=90),
        measured=mode != "phone",
        complete=complete,
    )
    db.session.add(followup)
    db.session.commit()
    return followup


def create_health_check(resident: Resident, performed_on: date) -> HealthCheck:
    check = HealthCheck(resident_id=resident.id, performed_on=performed_on, items={"weight_kg": 60})
    db.session.add(check)
    db.session.commit()
    return check


def create_screening(
    resident: Resident, performed_at: str, results: list[str], outcome: tuple[str, str, date] | None = None
) -> Screening:
    """A screening with its results; ``outcome``: (condition, outcome, on) settled for it."""
    screening = Screening(
        resident_id=resident.id,
        village_id=resident.village_id,
        performed_at=utc(performed_at),
        sbp=150 if "suspected_hypertension" in results else 120,
        dbp=80,
        results=results,
        status="open" if any(r.startswith("suspected") for r in results) else "closed",
    )
    db.session.add(screening)
    db.session.flush()
    if outcome is not None:
        condition, result, on = outcome
        db.session.add(
            ScreeningOutcome(
                screening_id=screening.id,
                resident_id=resident.id,
                condition=condition,
                outcome=result,
                on=on,
            )
        )
        screening.status = "closed"
    db.session.commit()
    return screening
