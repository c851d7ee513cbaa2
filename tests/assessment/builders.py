"""Builders for the assessment, verification and training tests: follow-ups by a named doctor."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.org.models import Township
from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow
from fieldapp.training.models import Training
from fieldapp.verifications.models import Verification, VerificationDraw
from tests.builders import create_resident, create_township, create_user, create_village


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
    complete: bool = False,
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
        measured=mode != "phone",
        complete=complete,
    )
    db.session.add(followup)
    return followup


def create_followup(
    enrollment: Enrollment, doctor: User | None, performed_at: str, **fields: object
) -> FollowUp:
    followup = build_followup(enrollment, doctor, performed_at, **fields)  # type: ignore[arg-type]
    db.session.commit()
    return followup


def _verify(doctor: User, followup: FollowUp, status: str, draw: VerificationDraw) -> None:
    db.session.add(
        Verification(
            draw_id=draw.id,
            followup_id=followup.id,
            resident_id=followup.resident_id,
            doctor_id=doctor.id,
            township_id=doctor.township_id,
            phone="+8613900000000",
            performed_on=followup.performed_at.date(),
            status=status,
            asked_at=utcnow(),
            answer_by=utcnow(),
        )
    )


def _train(starts_on: date, days: int, *attendees: User) -> None:
    db.session.add(
        Training(
            starts_on=starts_on, days=days, topic="慢病管理", organiser="县卫健局", attendees=list(attendees)
        )
    )


def build_third_quarter() -> dict[str, Any]:
    """Two village doctors of one township and their third quarter of 2026 (worked out in test_assessment)."""
    return build_third_quarter_in(create_township())


def build_third_quarter_in(township: Township) -> dict[str, Any]:
    """``build_third_quarter`` in a given township (call it again for more doctors alike)."""
    village_a, village_b = create_village(township), create_village(township)
    first = not db.session.scalar(select(User.id).where(User.username == "doctor_a"))
    names = ("doctor_a", "doctor_b") if first else (None, None)
    a = create_user(Role.VILLAGE_DOCTOR, username=names[0], township=township, villages=[village_a])
    b = create_user(Role.VILLAGE_DOCTOR, username=names[1], township=township, villages=[village_b])
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    # Doctor A. a1: due 9 July (set in April), met 8 July. a2: due 18 September, met late on
    # 25 September, uncontrolled. a3: enrolled 3 August, seen that day. A phone call does not count
    # as done. Complete records: all but 25 September's (A), 17 July's only (B).
    a1 = create_enrollment(create_resident(village_a), date(2026, 1, 5))
    create_followup(a1, a, "2026-04-10T10:00:00+08:00")
    a1_july = create_followup(a1, a, "2026-07-08T10:00:00+08:00", complete=True)
    create_followup(a1, a, "2026-08-15T10:00:00+08:00", mode="phone", complete=True)
    a2 = create_enrollment(create_resident(village_a), date(2026, 1, 5))
    create_followup(a2, a, "2026-06-20T10:00:00+08:00")
    a2_september = create_followup(a2, a, "2026-09-25T10:00:00+08:00", classification="uncontrolled")
    a3 = create_enrollment(create_resident(village_a), date(2026, 8, 3))
    a3_august = create_followup(a3, a, "2026-08-03T18:00:00+08:00", complete=True)
    draw = VerificationDraw(month=f"Q3-{uuid.uuid4().hex[:4]}", seed=1, drawn_at=utcnow())
    db.session.add(draw)
    db.session.flush()
    _verify(a, a1_july, "confirmed", draw)
    _verify(a, a3_august, "confirmed", draw)
    _verify(a, a2_september, "denied", draw)
    # Doctor B. b1: due 30 August, never met. b2: enrolled 1 July, seen late on 3 July
    # (uncontrolled: due 17 July), seen on time 17 July. b3: due 30 July, but moved on 20 July.
    b1 = create_enrollment(create_resident(village_b), date(2026, 1, 5))
    create_followup(b1, b, "2026-06-01T10:00:00+08:00")
    b2 = create_enrollment(create_resident(village_b), date(2026, 7, 1))
    create_followup(b2, b, "2026-07-03T10:00:00+08:00", classification="uncontrolled")
    create_followup(b2, b, "2026-07-17T10:00:00+08:00", complete=True)
    b3 = create_enrollment(create_resident(village_b), date(2026, 1, 5), closed_on=date(2026, 7, 20))
    create_followup(b3, b, "2026-05-01T10:00:00+08:00")
    # Training: A 5 days by September (a later course does not count), B 5 + 9 days.
    _train(date(2026, 3, 2), 5, a, b)
    _train(date(2026, 6, 8), 9, b)
    _train(date(2026, 10, 12), 7, a)
    db.session.commit()
    return {"a": a, "b": b, "manager": manager, "township": township}
