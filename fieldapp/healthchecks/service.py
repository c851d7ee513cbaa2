"""Health checks: record one, list a resident's, and the health-check queue."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select

from fieldapp.audit.service import record_access
from fieldapp.auth.models import User
from fieldapp.dbtypes import fixed
from fieldapp.errors import NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.followups import service as followups
from fieldapp.followups.models import Enrollment
from fieldapp.healthchecks.items import ARMS, ITEMS, bmi
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.idempotency import commit_once, insert_once
from fieldapp.residents.models import Resident
from fieldapp.screenings.service import area_filters
from fieldapp.timeutil import local_today

ACTIVE = "active"


def _check(resident: Resident, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if data["performed_on"] > local_today():
        errors["performed_on"] = ["must not be in the future"]
    elif data["performed_on"] < resident.birth_date:
        errors["performed_on"] = ["must not be before the resident's birth"]
    for sbp_name, dbp_name in ARMS:
        sbp, dbp = data.get(sbp_name), data.get(dbp_name)
        if (sbp is None) != (dbp is None):
            errors[sbp_name if sbp is None else dbp_name] = ["systolic and diastolic go together"]
        elif sbp is not None and dbp is not None and dbp >= sbp:
            errors[dbp_name] = ["must be lower than the systolic"]
    if errors:
        raise ValidationError("Some fields are not valid.", fields=errors)


def add_health_check(area: followups.Area, data: dict[str, Any]) -> tuple[HealthCheck, bool]:
    """Record a health check (idempotent by id); returns ``(check, created)``."""
    area.require_writer()
    resident = area.resident(data["resident_id"])
    _check(resident, data)

    def build(digest: str) -> HealthCheck:
        items = {item.name: data[item.name] for item in ITEMS if data.get(item.name) is not None}
        computed = bmi(items.get("weight_kg"), items.get("height_cm"))
        if computed is not None:
            items["bmi"] = computed
        return HealthCheck(
            id=data.get("id") or uuid.uuid4(),
            resident_id=resident.id,
            village_id=resident.village_id,
            performed_on=data["performed_on"],
            items=items,
            request_hash=digest,
            performed_by=area.user.id,
        )

    check, created = insert_once(HealthCheck, data, build)
    if created:
        record_access(area.user, "create", "health_check", check.id)
    return check, created


def record_health_check(user: User, data: dict[str, Any]) -> tuple[HealthCheck, bool]:
    """``POST /health-checks``; returns ``(check, created)``."""
    return commit_once(lambda: add_health_check(followups.Area(user), data))


def list_health_checks(
    user: User, resident_id: uuid.UUID, page: int, per_page: int
) -> tuple[list[HealthCheck], int]:
    """A resident's health checks, newest first (404 outside the caller's area)."""
    from fieldapp.residents.service import resident_records_page

    return resident_records_page(user, HealthCheck, resident_id, HealthCheck.performed_on, page, per_page)


def get_health_check(user: User, check_id: uuid.UUID) -> tuple[HealthCheck, Resident]:
    """One health check and its resident, in the caller's area (404 otherwise); the read is audited."""
    from fieldapp.residents.service import get_resident

    check = db.session.get(HealthCheck, check_id)
    if check is None:
        raise NotFoundError("No such health check.")
    resident = get_resident(user, check.resident_id)
    return check, resident


def health_checks_of(resident_id: uuid.UUID, limit: int = 20) -> list[HealthCheck]:
    """A resident's newest health checks (the caller has checked the area and audited the read)."""
    query = select(HealthCheck).where(HealthCheck.resident_id == resident_id)
    return list(db.session.scalars(query.order_by(HealthCheck.performed_on.desc()).limit(limit)))


def health_check_queue_page(
    user: User, filters: dict[str, Any], page: int, per_page: int, today: date
) -> tuple[list[followups.QueueItem], int]:
    """Managed residents of the area without a health check this year, by name: one SQL statement
    (two for a page past the end).

    Driven from the area's active enrollments (a partial index by village, covering), not its
    residents. Who was checked this year is read once for the area, from the health checks' own
    village (an index range a village, hashed), not probed for each enrollment; the names come
    from the area's residents by village (an index with the id), hashed. The total is counted in
    the same pass (a window over the waiting residents), not again.
    """
    year = (date(today.year, 1, 1), date(today.year, 12, 31))
    # A check is stored with its resident's village, kept in step when they move: the area's
    # checks are every check of the area's residents.
    checked = select(HealthCheck.resident_id).where(
        *area_filters(user, filters, HealthCheck.village_id), HealthCheck.performed_on.between(*year)
    )
    unchecked = [
        Enrollment.status == fixed(ACTIVE),
        *area_filters(user, filters, Enrollment.village_id),
        # NOT IN over a NOT NULL column: one hashed set of the area's checked residents.
        Enrollment.resident_id.not_in(checked),
    ]
    if filters.get("condition"):
        unchecked.append(Enrollment.condition == filters["condition"])
    waiting = select(Enrollment.resident_id).where(*unchecked).distinct().subquery("waiting")
    keys = (
        select(Resident.id.label("id"), func.count().over().label("total"))
        .join(waiting, waiting.c.resident_id == Resident.id)
        # The area's residents by village too (a managed resident lives where they are enrolled):
        # their names come from the (village_id, name) index in one hash join, not a probe each.
        .where(*area_filters(user, filters, Resident.village_id))
        .order_by(Resident.name, Resident.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page")
    )
    responsible, doctor = followups.responsible_doctors()
    # The resident's managed conditions, first by name: the item's condition.
    condition = (
        select(func.min(Enrollment.condition))
        .where(Enrollment.resident_id == Resident.id, Enrollment.status == fixed(ACTIVE))
        .correlate(Resident)
        .scalar_subquery()
    )
    contact, contact_id = followups.last_contact_of(Resident.id, Resident)
    contract_columns, with_contract = followups.active_contract_of(Resident.id, Resident, today)
    statement = (
        select(
            Resident,
            condition,
            contact,
            keys.c.total,
            *contract_columns,
            doctor.id,
            doctor.name,
            doctor.username,
            doctor.phone,
        )
        .join(keys, keys.c.id == Resident.id)
        .outerjoin(responsible, responsible.c.village_id == Resident.village_id)
        .outerjoin(doctor, doctor.username == responsible.c.username)
        .outerjoin(contact, contact.id == contact_id)
    )
    rows = db.session.execute(
        with_contract(statement)
        .order_by(Resident.name, Resident.id)
        .options(*followups.queue_resident_options())
    ).all()
    # Each row: resident, condition, contact, total, the contract's columns, the doctor's.
    contract_at = slice(4, 4 + len(contract_columns))
    # A page past the end (or nobody waiting) has no row to carry the total: count them apart.
    total = int(rows[0].total) if rows else db.session.scalar(select(func.count()).select_from(waiting)) or 0
    year_end = date(today.year, 12, 31)
    items = [
        followups.QueueItem(
            resident=followups.read_contract(resident, row[contract_at]),
            enrollment_id=None,
            condition=managed_condition,
            due_on=year_end,
            days_overdue=0,
            state="due",
            last_followup=None,
            doctor=followups.doctor_of(*row[contract_at.stop :]),
            last_contact=last_contact,
        )
        for row in rows
        for resident, managed_condition, last_contact in [row[:3]]
    ]
    return items, total
