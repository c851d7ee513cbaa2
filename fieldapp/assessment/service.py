"""The assessment of village doctors for a month, quarter or year, each part by set-based SQL.

"Their residents" are those of the villages a doctor is assigned to; "their records"
are the follow-ups they performed. The parts (DOMAIN.md), each a fraction or None
when there is nothing to measure:

* quantity: face-to-face follow-ups the doctor performed in the period / follow-ups due
  in the period (up to today) for their residents, at most 1. A follow-up falls due on
  an enrollment's ``enrolled_on`` and on each face-to-face follow-up's ``next_due_on``;
* timeliness: of those due, the share met by a face-to-face follow-up on or before the
  due date (the first one after the follow-up that set the date);
* completeness: the share of the doctor's follow-ups in the period that are complete;
* authenticity: confirmed / answered verifications of the doctor's follow-ups in the
  period, with the denied count beside it;
* outcomes: of their residents' enrollments active in the period, the share whose
  latest face-to-face follow-up by the period's end was controlled;
* training: days trained from 1 January to the period's end against 14 days pro rata
  (``training.rules.training_share``).

The score is the weighted mean of the measured parts, with the county's weights.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from fieldapp.assessment.models import AssessmentWeight
from fieldapp.assessment.periods import Period, local_day
from fieldapp.assessment.rules import DEFAULT_WEIGHT, MAX_WEIGHT, PARTS, Part, fraction, score
from fieldapp.auth.models import Role, User, user_villages
from fieldapp.dbtypes import UTCDateTime
from fieldapp.errors import ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.followups.rules import RULES, Classification
from fieldapp.reports.service import report_township
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today
from fieldapp.training.rules import training_share
from fieldapp.training.service import rural_doctors, training_days
from fieldapp.verifications.models import Verification
from fieldapp.verifications.rules import VerificationStatus, previous_month

FACE_TO_FACE_MODES = ("clinic", "home")
CONTROLLED = Classification.CONTROLLED.value
# The due date an enrollment's first follow-up has: set "before any follow-up".
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Counts = Mapping[uuid.UUID, tuple[int, ...]]


def weights() -> dict[str, float]:
    """The county's weight of each part (equal by default)."""
    stored = {
        row.part: row.weight
        for row in db.session.execute(select(AssessmentWeight.part, AssessmentWeight.weight))
    }
    return {part.value: float(stored.get(part.value, DEFAULT_WEIGHT)) for part in PARTS}


def set_weights(user: User, values: dict[str, float]) -> dict[str, float]:
    """The county admin sets the weights: each 0–100, not all 0."""
    if user.role != Role.COUNTY_ADMIN:
        raise ForbiddenError("The county admin sets the assessment's weights.")
    problems = {
        part: [f"must be between 0 and {MAX_WEIGHT:g}"]
        for part, value in values.items()
        if part in PARTS and not 0 <= value <= MAX_WEIGHT
    }
    problems.update({name: ["not a part of the assessment"] for name in values if name not in PARTS})
    if not problems and not any(values.get(part, DEFAULT_WEIGHT) > 0 for part in PARTS):
        problems["weights"] = ["at least one weight must be above 0"]
    if problems:
        raise ValidationError("Some fields are not valid.", fields=problems)
    for part, value in values.items():
        row = db.session.get(AssessmentWeight, part) or AssessmentWeight(part=part)
        row.weight = value
        row.updated_by = user.id
        db.session.add(row)
    db.session.commit()
    return weights()


def parse_period(code: str | None) -> Period:
    """``2026``, ``2026Q4`` or ``2026-11``; by default last month; 422 otherwise."""
    if not code:
        return Period.month_of(previous_month(local_today())[0])
    try:
        return Period.parse(code)
    except ValueError:
        raise ValidationError(
            "Some fields are not valid.",
            fields={"period": ["a year (2026), quarter (2026Q4) or month (2026-11)"]},
        ) from None


def _done(ids: list[uuid.UUID], period: Period) -> Counts:
    """Per doctor: face-to-face follow-ups performed in the period, all their follow-ups, the complete ones."""
    face_to_face = case((FollowUp.mode.in_(FACE_TO_FACE_MODES), 1), else_=0)
    rows = db.session.execute(
        select(
            FollowUp.performed_by,
            func.sum(face_to_face),
            func.count(),
            func.sum(case((FollowUp.complete.is_(True), 1), else_=0)),
        )
        .where(FollowUp.performed_by.in_(ids), period.contains(FollowUp.performed_at))
        .group_by(FollowUp.performed_by)
    )
    return {
        doctor: (int(done or 0), int(records), int(complete or 0))
        for doctor, done, records, complete in rows
        if doctor is not None
    }


def _dues(ids: list[uuid.UUID], period: Period) -> Any:
    """Every due date of the doctors' residents in the period up to today: ``(enrollment_id, due_on, set_at)``.

    A follow-up sets a date at most ``followup_interval_days`` ahead, so only those performed
    from that long before the period are read, through the (enrollment, performed_at) index.
    """
    last = min(period.last_day, local_today())
    their_enrollments = select(Enrollment.id).where(
        Enrollment.village_id.in_(select(user_villages.c.village_id).where(user_villages.c.user_id.in_(ids)))
    )
    earliest = period.starts_at - timedelta(days=int(RULES["followup_interval_days"].value) + 1)
    set_by_followups = select(
        FollowUp.enrollment_id.label("enrollment_id"),
        FollowUp.next_due_on.label("due_on"),
        FollowUp.performed_at.label("set_at"),
    ).where(
        FollowUp.enrollment_id.in_(their_enrollments),
        FollowUp.performed_at >= earliest,
        FollowUp.performed_at < period.ends_at,
        FollowUp.mode.in_(FACE_TO_FACE_MODES),
        FollowUp.next_due_on.between(period.first_day, last),
    )
    set_by_enrolling = select(
        Enrollment.id.label("enrollment_id"),
        Enrollment.enrolled_on.label("due_on"),
        literal(EPOCH, UTCDateTime()).label("set_at"),
    ).where(Enrollment.id.in_(their_enrollments), Enrollment.enrolled_on.between(period.first_day, last))
    return union_all(set_by_followups, set_by_enrolling).subquery("dues")


def _due_rows(ids: list[uuid.UUID], period: Period) -> Any:
    """One row per due date of the doctors' residents: ``(doctor_id, enrollment_id, due_on, met_on)``."""
    dues = _dues(ids, period)
    meeting = aliased(FollowUp)
    met_on = (
        select(func.min(local_day(meeting.performed_at)))
        .where(
            meeting.enrollment_id == dues.c.enrollment_id,
            meeting.mode.in_(FACE_TO_FACE_MODES),
            meeting.performed_at > dues.c.set_at,
        )
        .scalar_subquery()
    )
    return (
        select(
            user_villages.c.user_id.label("doctor_id"),
            dues.c.enrollment_id,
            dues.c.due_on,
            met_on.label("met_on"),
        )
        .select_from(dues)
        .join(Enrollment, Enrollment.id == dues.c.enrollment_id)
        .join(user_villages, user_villages.c.village_id == Enrollment.village_id)
        .where(
            user_villages.c.user_id.in_(ids),
            or_(Enrollment.closed_on.is_(None), Enrollment.closed_on >= dues.c.due_on),
        )
        .subquery("due_rows")
    )


def _due_and_timely(ids: list[uuid.UUID], period: Period) -> Counts:
    """Per doctor: follow-ups due for their residents in the period, and those met by the due date."""
    due = _due_rows(ids, period)
    rows = db.session.execute(
        select(due.c.doctor_id, func.count(), func.sum(case((due.c.met_on <= due.c.due_on, 1), else_=0)))
        .select_from(due)
        .group_by(due.c.doctor_id)
    )
    return {doctor: (int(n), int(timely or 0)) for doctor, n, timely in rows}


def _verified(ids: list[uuid.UUID], period: Period) -> Counts:
    """Per doctor: verifications of their follow-ups in the period, confirmed and denied."""
    rows = db.session.execute(
        select(
            Verification.doctor_id,
            func.sum(case((Verification.status == VerificationStatus.CONFIRMED, 1), else_=0)),
            func.sum(case((Verification.status == VerificationStatus.DENIED, 1), else_=0)),
        )
        .where(
            Verification.doctor_id.in_(ids),
            Verification.performed_on.between(period.first_day, period.last_day),
        )
        .group_by(Verification.doctor_id)
    )
    return {doctor: (int(confirmed or 0), int(denied or 0)) for doctor, confirmed, denied in rows}


def _outcome_rows(ids: list[uuid.UUID], period: Period) -> Any:
    """One row per enrollment of the doctors' residents active in the period, with its latest
    face-to-face follow-up by the period's end: ``(doctor_id, enrollment_id, latest_at, controlled)``."""
    active = and_(
        Enrollment.enrolled_on <= period.last_day,
        or_(Enrollment.closed_on.is_(None), Enrollment.closed_on >= period.first_day),
    )
    their_enrollments = (
        select(Enrollment.id)
        .join(user_villages, user_villages.c.village_id == Enrollment.village_id)
        .where(user_villages.c.user_id.in_(ids), active)
    )
    # The newest follow-up is controlled exactly when the newest controlled one is as new.
    latest = (
        select(
            FollowUp.enrollment_id,
            func.max(FollowUp.performed_at).label("latest_at"),
            func.max(case((FollowUp.classification == CONTROLLED, FollowUp.performed_at))).label(
                "controlled_at"
            ),
        )
        .where(
            FollowUp.enrollment_id.in_(their_enrollments),
            FollowUp.mode.in_(FACE_TO_FACE_MODES),
            FollowUp.performed_at < period.ends_at,
        )
        .group_by(FollowUp.enrollment_id)
        .subquery("latest")
    )
    return (
        select(
            user_villages.c.user_id.label("doctor_id"),
            Enrollment.id.label("enrollment_id"),
            latest.c.latest_at,
            case((latest.c.controlled_at == latest.c.latest_at, 1), else_=0).label("controlled"),
        )
        .select_from(Enrollment)
        .join(user_villages, user_villages.c.village_id == Enrollment.village_id)
        .outerjoin(latest, latest.c.enrollment_id == Enrollment.id)
        .where(user_villages.c.user_id.in_(ids), active)
        .subquery("outcome_rows")
    )


def _controlled(ids: list[uuid.UUID], period: Period) -> Counts:
    """Per doctor: their residents' enrollments active in the period, and those controlled at its end."""
    outcome = _outcome_rows(ids, period)
    rows = db.session.execute(
        select(outcome.c.doctor_id, func.count(), func.sum(outcome.c.controlled)).group_by(
            outcome.c.doctor_id
        )
    )
    return {doctor: (int(managed), int(controlled or 0)) for doctor, managed, controlled in rows}


def _assess(
    doctor: User, counts: dict[str, Counts], months: int, part_weights: dict[str, float]
) -> dict[str, Any]:
    def get(name: str, width: int) -> tuple[int, ...]:
        return counts[name].get(doctor.id, (0,) * width)

    done, records, complete = get("done", 3)
    due, timely = get("dues", 2)
    confirmed, denied = get("verified", 2)
    managed, controlled = get("controlled", 2)
    trainings, days = get("training", 2)
    parts: dict[str, float | None] = {
        Part.QUANTITY: fraction(done, due, cap=True),
        Part.TIMELINESS: fraction(timely, due),
        Part.COMPLETENESS: fraction(complete, records),
        Part.AUTHENTICITY: fraction(confirmed, confirmed + denied),
        Part.OUTCOMES: fraction(controlled, managed),
        Part.TRAINING: round(training_share(days, months), 4),
    }
    return {
        "doctor": doctor,
        **{str(name): value for name, value in parts.items()},
        "denied": denied,
        "score": score({str(k): v for k, v in parts.items()}, part_weights),
        "counts": {
            "done": done,
            "due": due,
            "records": records,
            "complete_records": complete,
            "on_time": timely,
            "confirmed": confirmed,
            "answered": confirmed + denied,
            "managed": managed,
            "controlled": controlled,
            "trainings": trainings,
            "training_days": days,
        },
    }


def assessment(user: User, township_id: uuid.UUID | None, period_code: str | None) -> dict[str, Any]:
    """Each village doctor's parts and score for the period, with the weights used."""
    area = report_township(user, township_id)
    period = parse_period(period_code)
    doctors = rural_doctors(user, area)
    ids = [doctor.id for doctor in doctors]
    counts: dict[str, Counts] = {
        "done": _done(ids, period),
        "dues": _due_and_timely(ids, period),
        "verified": _verified(ids, period),
        "controlled": _controlled(ids, period),
        "training": training_days(ids, period.first_day.replace(month=1, day=1), period.last_day),
    }
    part_weights = weights()
    return {
        "township_id": area,
        "period": period.code,
        "doctors": [_assess(doctor, counts, period.last_day.month, part_weights) for doctor in doctors],
        "weights": part_weights,
    }


# The records behind each number


def area_doctor(user: User, doctor_id: uuid.UUID) -> User:
    """A village doctor of the caller's report area; 404 otherwise."""
    area = report_township(user, None if user.role == Role.COUNTY_ADMIN else user.township_id)
    doctor = next((d for d in rural_doctors(user, area) if d.id == doctor_id), None)
    if doctor is None:
        raise NotFoundError("No such doctor.")
    return doctor


def followup_records(user: User, doctor_id: uuid.UUID, period_code: str | None) -> list[Any]:
    """The follow-ups the doctor performed in the period: ``(FollowUp, resident name)``, oldest first."""
    doctor, period = area_doctor(user, doctor_id), parse_period(period_code)
    return list(
        db.session.execute(
            select(FollowUp, Resident.name)
            .join(Resident, Resident.id == FollowUp.resident_id)
            .where(FollowUp.performed_by == doctor.id, period.contains(FollowUp.performed_at))
            .order_by(FollowUp.performed_at, FollowUp.id)
        )
    )


def due_records(user: User, doctor_id: uuid.UUID, period_code: str | None) -> list[Any]:
    """The follow-ups due for the doctor's residents in the period: resident, condition, due and met dates."""
    doctor, period = area_doctor(user, doctor_id), parse_period(period_code)
    due = _due_rows([doctor.id], period)
    return list(
        db.session.execute(
            select(Resident.id, Resident.name, Enrollment.condition, due.c.due_on, due.c.met_on)
            .select_from(due)
            .join(Enrollment, Enrollment.id == due.c.enrollment_id)
            .join(Resident, Resident.id == Enrollment.resident_id)
            .order_by(due.c.due_on, Resident.name)
        )
    )


def outcome_records(user: User, doctor_id: uuid.UUID, period_code: str | None) -> list[Any]:
    """The doctor's residents' enrollments of the period with their latest face-to-face follow-up."""
    doctor, period = area_doctor(user, doctor_id), parse_period(period_code)
    outcome = _outcome_rows([doctor.id], period)
    return list(
        db.session.execute(
            select(
                Resident.id, Resident.name, Enrollment.condition, outcome.c.latest_at, outcome.c.controlled
            )
            .select_from(outcome)
            .join(Enrollment, Enrollment.id == outcome.c.enrollment_id)
            .join(Resident, Resident.id == Enrollment.resident_id)
            .order_by(Resident.name, Enrollment.condition)
        )
    )


def yearly_trend(
    user: User, township_id: uuid.UUID | None, year: int
) -> tuple[list[str], dict[uuid.UUID, list[Any]]]:
    """Each month of ``year`` up to this one, and each doctor's score in each of them."""
    today = local_today()
    last_month = 12 if year < today.year else (today.month if year == today.year else 0)
    months = [f"{year}-{m:02d}" for m in range(1, last_month + 1)]
    scores: dict[uuid.UUID, list[Any]] = {}
    for month in months:
        for row in assessment(user, township_id, month)["doctors"]:
            scores.setdefault(row["doctor"].id, []).append(row["score"])
    return months, scores
