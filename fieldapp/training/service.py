"""Recording trainings and guidance visits, and the yearly report of who meets the rules."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import extract, func, select

from fieldapp.audit.service import record_bulk_read
from fieldapp.auth.models import Role, User
from fieldapp.errors import ForbiddenError, ValidationError
from fieldapp.extensions import db
from fieldapp.idempotency import insert_once
from fieldapp.org.models import Facility, Township, Village
from fieldapp.reports.service import report_township
from fieldapp.timeutil import local_today
from fieldapp.training.models import GuidanceVisit, Training, training_attendees
from fieldapp.training.rules import guidance_months_required, meets_training_rule

RECORDERS = (Role.TOWNSHIP_MANAGER, Role.COUNTY_ADMIN)
INVALID = "Some fields are not valid."


def require_recorder(user: User) -> None:
    if user.role not in RECORDERS:
        raise ForbiddenError("Township managers and county admins record trainings and guidance.")


def _rural_doctors_clause(user: User, township_id: uuid.UUID | None) -> Any:
    clause = (User.role == Role.VILLAGE_DOCTOR) & User.active.is_(True)
    if user.role != Role.COUNTY_ADMIN:
        clause = clause & (User.township_id == user.township_id)
    elif township_id is not None:
        clause = clause & (User.township_id == township_id)
    return clause


def rural_doctors(user: User, township_id: uuid.UUID | None) -> list[User]:
    """Active village doctors of a township (a county admin: of the county when None)."""
    query = select(User).where(_rural_doctors_clause(user, township_id))
    return list(db.session.scalars(query.order_by(User.name, User.username)))


def create_training(user: User, data: dict[str, Any]) -> tuple[Training, bool]:
    """Record a training and who attended (village doctors of the caller's area); idempotent by id."""
    require_recorder(user)
    attendee_ids = list(dict.fromkeys(data["attendee_ids"]))
    known = {doctor.id: doctor for doctor in rural_doctors(user, None) if doctor.id in set(attendee_ids)}
    strangers = sorted(str(a) for a in attendee_ids if a not in known)
    if strangers:
        raise ValidationError(
            INVALID, fields={"attendee_ids": [f"not village doctors of your area: {', '.join(strangers)}"]}
        )

    def build(digest: str) -> Training:
        return Training(
            id=data.get("id") or uuid.uuid4(),
            township_id=user.township_id if user.role != Role.COUNTY_ADMIN else None,
            starts_on=data["starts_on"],
            days=data["days"],
            topic=data["topic"],
            organiser=data["organiser"],
            attendees=[known[a] for a in attendee_ids],
            created_by=user.id,
            request_hash=digest,
        )

    training, created = insert_once(Training, data, build)
    db.session.commit()
    return training, created


def create_guidance_visit(user: User, data: dict[str, Any]) -> tuple[GuidanceVisit, bool]:
    """Record a county specialist's guidance visit to a township centre or a village clinic."""
    require_recorder(user)
    problems: dict[str, list[str]] = {}
    township = db.session.get(Township, data["township_id"])
    if township is None or (user.role != Role.COUNTY_ADMIN and township.id != user.township_id):
        problems["township_id"] = ["no such township in your area"]
    if db.session.get(Facility, data["facility_id"]) is None:
        problems["facility_id"] = ["no such facility"]
    if data.get("village_id") is not None:
        village = db.session.get(Village, data["village_id"])
        if village is None or village.township_id != data["township_id"]:
            problems["village_id"] = ["no such village in this township"]
    if problems:
        raise ValidationError(INVALID, fields=problems)

    def build(digest: str) -> GuidanceVisit:
        return GuidanceVisit(
            id=data.get("id") or uuid.uuid4(),
            visited_on=data["visited_on"],
            staff_name=data["staff_name"],
            facility_id=data["facility_id"],
            place=data["place"],
            township_id=data["township_id"],
            village_id=data.get("village_id"),
            topic=data["topic"],
            created_by=user.id,
            request_hash=digest,
        )

    visit, created = insert_once(GuidanceVisit, data, build)
    db.session.commit()
    return visit, created


def list_trainings(user: User, township_id: uuid.UUID | None, year: int) -> list[Training]:
    """The year's trainings attended by the area's village doctors, newest first."""
    doctors = select(User.id).where(_rural_doctors_clause(user, report_township(user, township_id)))
    attended = select(training_attendees.c.training_id).where(training_attendees.c.user_id.in_(doctors))
    return list(
        db.session.scalars(
            select(Training)
            .where(
                Training.id.in_(attended), Training.starts_on.between(date(year, 1, 1), date(year, 12, 31))
            )
            .order_by(Training.starts_on.desc(), Training.id)
        )
    )


def list_guidance_visits(user: User, township_id: uuid.UUID | None, year: int) -> list[GuidanceVisit]:
    """The year's guidance visits in the area, newest first."""
    area = report_township(user, township_id)
    query = select(GuidanceVisit).where(
        GuidanceVisit.visited_on.between(date(year, 1, 1), date(year, 12, 31))
    )
    if area is not None:
        query = query.where(GuidanceVisit.township_id == area)
    return list(db.session.scalars(query.order_by(GuidanceVisit.visited_on.desc(), GuidanceVisit.id)))


def training_days(
    doctor_ids: list[uuid.UUID], first_day: date, last_day: date
) -> dict[uuid.UUID, tuple[int, int]]:
    """Per doctor: ``(trainings, days)`` of the trainings that started between the two dates."""
    rows = db.session.execute(
        select(training_attendees.c.user_id, func.count(), func.sum(Training.days))
        .join(Training, Training.id == training_attendees.c.training_id)
        .where(
            training_attendees.c.user_id.in_(doctor_ids),
            Training.starts_on.between(first_day, last_day),
        )
        .group_by(training_attendees.c.user_id)
    )
    return {user_id: (int(n), int(days or 0)) for user_id, n, days in rows}


def _guidance(area: uuid.UUID | None, year: int, today: date) -> list[dict[str, Any]]:
    month = extract("month", GuidanceVisit.visited_on)
    query = (
        select(GuidanceVisit.staff_name, GuidanceVisit.facility_id, month, func.count())
        .where(GuidanceVisit.visited_on.between(date(year, 1, 1), date(year, 12, 31)))
        .group_by(GuidanceVisit.staff_name, GuidanceVisit.facility_id, month)
    )
    if area is not None:
        query = query.where(GuidanceVisit.township_id == area)
    staff: dict[tuple[str, uuid.UUID], dict[int, int]] = defaultdict(dict)
    for name, facility_id, m, n in db.session.execute(query):
        staff[(name, facility_id)][int(m)] = int(n)
    required = guidance_months_required(year, today)
    return [
        {
            "staff_name": name,
            "facility_id": facility_id,
            "visits": sum(months.values()),
            "months_with_guidance": len(months),
            "months_required": required,
            "meets_rule": all(m in months for m in range(1, required + 1)),
        }
        for (name, facility_id), months in sorted(staff.items(), key=lambda item: item[0][0])
    ]


def training_report(user: User, township_id: uuid.UUID | None, year: int | None) -> dict[str, Any]:
    """Each rural doctor's trainings and days in the year against the rule, and each specialist's guidance."""
    area = report_township(user, township_id)
    today = local_today()
    year = year or today.year
    doctors = rural_doctors(user, area) if area is not None or user.role == Role.COUNTY_ADMIN else []
    done = training_days([d.id for d in doctors], date(year, 1, 1), date(year, 12, 31))
    rows = []
    for doctor in doctors:
        trainings, days = done.get(doctor.id, (0, 0))
        rows.append(
            {
                "doctor": doctor,
                "trainings": trainings,
                "days": days,
                "meets_rule": meets_training_rule(trainings, days),
            }
        )
    guidance = _guidance(area, year, today)
    record_bulk_read(user, "training", {"township_id": area, "year": year}, len(rows) + len(guidance))
    return {"year": year, "township_id": area, "doctors": rows, "guidance": guidance}
