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

from sqlalchemy import Date, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from fieldapp.assessment.models import AssessmentWeight
from fieldapp.assessment.periods import Period, local_day
from fieldapp.assessment.rules import DEFAULT_WEIGHT, MAX_WEIGHT, PARTS, Part, fraction, score
from fieldapp.auth.models import Role, User, user_villages
from fieldapp.dbtypes import UTCDateTime
from fieldapp.errors import ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.followups.rules import FACE_TO_FACE_MODES, RULES, Classification
from fieldapp.reports.service import report_township
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today
from fieldapp.training.models import Training, training_attendees
from fieldapp.training.rules import training_share
from fieldapp.training.service import rural_doctors
from fieldapp.verifications.models import Verification
from fieldapp.verifications.rules import VerificationStatus, previous_month

CONTROLLED = Classification.CONTROLLED.value
# The due date an enrollment's first follow-up has: set "before any follow-up".
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Counts = Mapping[uuid.UUID, tuple[int, ...]]
# Counts per period: the index of the period among those asked for, then the doctor.
ByPeriod = Mapping[int, Counts]


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


def _instant_bucket(column: Any, periods: list[Period]) -> Any:
    """The index of the period a UTC instant falls in (the periods are consecutive); None outside them."""
    return case(*[(period.contains(column), i) for i, period in enumerate(periods)], else_=None)


def _day_bucket(column: Any, periods: list[Period]) -> Any:
    """The index of the period a date falls in; None outside them."""
    whens = [(column.between(period.first_day, period.last_day), i) for i, period in enumerate(periods)]
    return case(*whens, else_=None)


def _grouped(rows: Any, width: int) -> ByPeriod:
    """``(doctor, bucket, *counts)`` rows as ``{bucket: {doctor: counts}}``."""
    out: dict[int, dict[uuid.UUID, tuple[int, ...]]] = {}
    for doctor, bucket, *values in rows:
        if doctor is not None and bucket is not None:
            out.setdefault(int(bucket), {})[doctor] = tuple(int(v or 0) for v in values[:width])
    return out


def _done(ids: list[uuid.UUID], periods: list[Period]) -> ByPeriod:
    """Per period and doctor: face-to-face follow-ups performed, all their follow-ups, the complete ones."""
    performed = (
        select(
            FollowUp.performed_by.label("doctor_id"),
            _instant_bucket(FollowUp.performed_at, periods).label("bucket"),
            case((FollowUp.mode.in_(FACE_TO_FACE_MODES), 1), else_=0).label("face_to_face"),
            case((FollowUp.complete.is_(True), 1), else_=0).label("complete"),
        )
        .where(
            FollowUp.performed_by.in_(ids),
            FollowUp.performed_at >= periods[0].starts_at,
            FollowUp.performed_at < periods[-1].ends_at,
        )
        .subquery("performed")
    )
    rows = db.session.execute(
        select(
            performed.c.doctor_id,
            performed.c.bucket,
            func.sum(performed.c.face_to_face),
            func.count(),
            func.sum(performed.c.complete),
        ).group_by(performed.c.doctor_id, performed.c.bucket)
    )
    return _grouped(rows, 3)


def _dues(ids: list[uuid.UUID], periods: list[Period]) -> Any:
    """Every due date of the doctors' residents in the periods up to today:
    ``(enrollment_id, due_on, set_at, bucket)``, ``bucket`` the index of the period it falls in.

    A follow-up sets a date at most ``followup_interval_days`` ahead, so only those performed
    from that long before a period are read for it, through the (enrollment, performed_at) index.
    """
    today = local_today()
    first, last = periods[0].first_day, min(periods[-1].last_day, today)
    their_enrollments = select(Enrollment.id).where(
        Enrollment.village_id.in_(select(user_villages.c.village_id).where(user_villages.c.user_id.in_(ids)))
    )
    reach = timedelta(days=int(RULES["followup_interval_days"].value) + 1)
    set_by_followups = select(
        FollowUp.enrollment_id.label("enrollment_id"),
        FollowUp.next_due_on.label("due_on"),
        FollowUp.performed_at.label("set_at"),
        _day_bucket(FollowUp.next_due_on, periods).label("bucket"),
    ).where(
        FollowUp.enrollment_id.in_(their_enrollments),
        FollowUp.performed_at >= periods[0].starts_at - reach,
        FollowUp.performed_at < periods[-1].ends_at,
        FollowUp.mode.in_(FACE_TO_FACE_MODES),
        FollowUp.next_due_on.between(first, last),
        # Each period reads the follow-ups performed from ``reach`` before it to its end.
        or_(
            *[
                and_(
                    FollowUp.next_due_on.between(period.first_day, period.last_day),
                    FollowUp.performed_at >= period.starts_at - reach,
                    FollowUp.performed_at < period.ends_at,
                )
                for period in periods
            ]
        ),
    )
    set_by_enrolling = select(
        Enrollment.id.label("enrollment_id"),
        Enrollment.enrolled_on.label("due_on"),
        literal(EPOCH, UTCDateTime()).label("set_at"),
        _day_bucket(Enrollment.enrolled_on, periods).label("bucket"),
    ).where(Enrollment.id.in_(their_enrollments), Enrollment.enrolled_on.between(first, last))
    return union_all(set_by_followups, set_by_enrolling).subquery("dues")


def _due_rows(ids: list[uuid.UUID], periods: list[Period]) -> Any:
    """One row per due date of the doctors' residents: ``(doctor_id, bucket, enrollment_id, due_on, met_on)``."""
    dues = _dues(ids, periods)
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
            dues.c.bucket,
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


def _due_and_timely(ids: list[uuid.UUID], periods: list[Period]) -> ByPeriod:
    """Per period and doctor: follow-ups due for their residents, and those met by the due date."""
    due = _due_rows(ids, periods)
    rows = db.session.execute(
        select(
            due.c.doctor_id,
            due.c.bucket,
            func.count(),
            func.sum(case((due.c.met_on <= due.c.due_on, 1), else_=0)),
        )
        .select_from(due)
        .group_by(due.c.doctor_id, due.c.bucket)
    )
    return _grouped(rows, 2)


def _verified(ids: list[uuid.UUID], periods: list[Period]) -> ByPeriod:
    """Per period and doctor: verifications of their follow-ups, confirmed and denied."""
    answered = (
        select(
            Verification.doctor_id.label("doctor_id"),
            _day_bucket(Verification.performed_on, periods).label("bucket"),
            case((Verification.status == VerificationStatus.CONFIRMED, 1), else_=0).label("confirmed"),
            case((Verification.status == VerificationStatus.DENIED, 1), else_=0).label("denied"),
        )
        .where(
            Verification.doctor_id.in_(ids),
            Verification.performed_on.between(periods[0].first_day, periods[-1].last_day),
        )
        .subquery("answered")
    )
    rows = db.session.execute(
        select(
            answered.c.doctor_id,
            answered.c.bucket,
            func.sum(answered.c.confirmed),
            func.sum(answered.c.denied),
        ).group_by(answered.c.doctor_id, answered.c.bucket)
    )
    return _grouped(rows, 2)


def _periods_table(periods: list[Period]) -> Any:
    """The periods as rows ``(bucket, first_day, last_day)``, to join with."""
    rows = [
        select(
            literal(i).label("bucket"),
            literal(period.first_day, Date()).label("first_day"),
            literal(period.last_day, Date()).label("last_day"),
        )
        for i, period in enumerate(periods)
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("periods")


def _outcome_rows(ids: list[uuid.UUID], periods: list[Period]) -> Any:
    """One row per period and enrollment of the doctors' residents active in it, with its latest
    face-to-face follow-up by the period's end: ``(doctor_id, bucket, enrollment_id, latest_at, controlled)``.

    The follow-ups are read once: each enrollment's newest (and newest controlled) in each
    period, and in one bucket (-1) before the first; a period's latest is the newest of its
    bucket and those before.
    """
    table = _periods_table(periods)
    active = and_(
        Enrollment.enrolled_on <= table.c.last_day,
        or_(Enrollment.closed_on.is_(None), Enrollment.closed_on >= table.c.first_day),
    )
    their_enrollments = (
        select(Enrollment.id)
        .join(user_villages, user_villages.c.village_id == Enrollment.village_id)
        .where(
            user_villages.c.user_id.in_(ids),
            Enrollment.enrolled_on <= periods[-1].last_day,
            or_(Enrollment.closed_on.is_(None), Enrollment.closed_on >= periods[0].first_day),
        )
    )
    followups = (
        select(
            FollowUp.enrollment_id.label("enrollment_id"),
            case(
                (FollowUp.performed_at < periods[0].starts_at, -1),
                *[(period.contains(FollowUp.performed_at), i) for i, period in enumerate(periods)],
                else_=None,
            ).label("bucket"),
            FollowUp.performed_at.label("performed_at"),
            case((FollowUp.classification == CONTROLLED, FollowUp.performed_at)).label("controlled_at"),
        )
        .where(
            FollowUp.enrollment_id.in_(their_enrollments),
            FollowUp.mode.in_(FACE_TO_FACE_MODES),
            FollowUp.performed_at < periods[-1].ends_at,
        )
        .subquery("followups")
    )
    # The newest follow-up is controlled exactly when the newest controlled one is as new.
    newest = (
        select(
            followups.c.enrollment_id,
            followups.c.bucket,
            func.max(followups.c.performed_at).label("latest_at"),
            func.max(followups.c.controlled_at).label("controlled_at"),
        )
        .group_by(followups.c.enrollment_id, followups.c.bucket)
        .subquery("newest")
    )
    latest = (
        select(
            user_villages.c.user_id.label("doctor_id"),
            table.c.bucket,
            Enrollment.id.label("enrollment_id"),
            func.max(newest.c.latest_at).label("latest_at"),
            func.max(newest.c.controlled_at).label("controlled_at"),
        )
        .select_from(Enrollment)
        .join(user_villages, user_villages.c.village_id == Enrollment.village_id)
        .join(table, active)
        .outerjoin(newest, and_(newest.c.enrollment_id == Enrollment.id, newest.c.bucket <= table.c.bucket))
        .where(user_villages.c.user_id.in_(ids))
        .group_by(user_villages.c.user_id, table.c.bucket, Enrollment.id)
        .subquery("latest")
    )
    return select(
        latest.c.doctor_id,
        latest.c.bucket,
        latest.c.enrollment_id,
        latest.c.latest_at,
        case((latest.c.controlled_at == latest.c.latest_at, 1), else_=0).label("controlled"),
    ).subquery("outcome_rows")


def _controlled(ids: list[uuid.UUID], periods: list[Period]) -> ByPeriod:
    """Per period and doctor: their residents' enrollments active in it, and those controlled at its end."""
    outcome = _outcome_rows(ids, periods)
    rows = db.session.execute(
        select(outcome.c.doctor_id, outcome.c.bucket, func.count(), func.sum(outcome.c.controlled)).group_by(
            outcome.c.doctor_id, outcome.c.bucket
        )
    )
    return _grouped(rows, 2)


def _trained(ids: list[uuid.UUID], periods: list[Period]) -> ByPeriod:
    """Per period and doctor: trainings and days from 1 January of its year to its end.

    The periods lie in one year: trainings are counted per period (and before the first)
    in one pass, then added up in order.
    """
    started = (
        select(
            training_attendees.c.user_id.label("doctor_id"),
            case(
                (Training.starts_on < periods[0].first_day, -1),
                *[
                    (Training.starts_on.between(period.first_day, period.last_day), i)
                    for i, period in enumerate(periods)
                ],
                else_=None,
            ).label("bucket"),
            Training.days.label("days"),
        )
        .join(Training, Training.id == training_attendees.c.training_id)
        .where(
            training_attendees.c.user_id.in_(ids),
            Training.starts_on.between(periods[0].first_day.replace(month=1, day=1), periods[-1].last_day),
        )
        .subquery("started")
    )
    rows = db.session.execute(
        select(started.c.doctor_id, started.c.bucket, func.count(), func.sum(started.c.days)).group_by(
            started.c.doctor_id, started.c.bucket
        )
    )
    each = _grouped(rows, 2)
    out: dict[int, dict[uuid.UUID, tuple[int, ...]]] = {}
    so_far: dict[uuid.UUID, tuple[int, ...]] = dict(each.get(-1, {}))
    for i in range(len(periods)):
        for doctor, (trainings, days) in each.get(i, {}).items():
            before = so_far.get(doctor, (0, 0))
            so_far[doctor] = (before[0] + trainings, before[1] + days)
        out[i] = dict(so_far)
    return out


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


def _assessments(
    doctors: list[User], periods: list[Period], part_weights: dict[str, float]
) -> list[list[dict[str, Any]]]:
    """Each doctor's assessment in each of the consecutive periods of one year: each part one
    grouped statement for all of them, so a year of months costs about what one period does."""
    ids = [doctor.id for doctor in doctors]
    by_period: dict[str, ByPeriod] = {
        "done": _done(ids, periods),
        "dues": _due_and_timely(ids, periods),
        "verified": _verified(ids, periods),
        "controlled": _controlled(ids, periods),
        "training": _trained(ids, periods),
    }
    out = []
    for i, period in enumerate(periods):
        counts = {name: counts.get(i, {}) for name, counts in by_period.items()}
        out.append([_assess(doctor, counts, period.last_day.month, part_weights) for doctor in doctors])
    return out


def assessment(user: User, township_id: uuid.UUID | None, period_code: str | None) -> dict[str, Any]:
    """Each village doctor's parts and score for the period, with the weights used."""
    area = report_township(user, township_id)
    period = parse_period(period_code)
    doctors = rural_doctors(user, area)
    part_weights = weights()
    return {
        "township_id": area,
        "period": period.code,
        "doctors": _assessments(doctors, [period], part_weights)[0],
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
    due = _due_rows([doctor.id], [period])
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
    outcome = _outcome_rows([doctor.id], [period])
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
    """Each month of ``year`` up to this one, and each doctor's score in each of them (one pass)."""
    today = local_today()
    last_month = 12 if year < today.year else (today.month if year == today.year else 0)
    months = [Period.parse(f"{year}-{m:02d}") for m in range(1, last_month + 1)]
    area = report_township(user, township_id)
    doctors = rural_doctors(user, area)
    scores: dict[uuid.UUID, list[Any]] = {}
    if months:
        for rows in _assessments(doctors, months, weights()):
            for row in rows:
                scores.setdefault(row["doctor"].id, []).append(row["score"])
    return [month.code for month in months], scores
