"""The registry of residents: create, find, read, change; every access audited."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError

from fieldapp.audit.service import record_access, record_bulk_read, record_refused_attempt
from fieldapp.auth.models import User
from fieldapp.auth.scoping import can_write_residents, resident_clause, village_clause
from fieldapp.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.idempotency import insert_once
from fieldapp.messaging.models import SmsOptOut
from fieldapp.org.models import Village
from fieldapp.org.service import normalize_phone
from fieldapp.residents.identity import normalize_id_number
from fieldapp.residents.keygroups import flags_to_bits, key_group_clause
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today


def _check_fields(
    user: User, data: dict[str, Any], area_village_ids: Collection[uuid.UUID] | None = None
) -> dict[str, Any]:
    """Normalise phone and id number and check the village lies in the user's area.

    ``area_village_ids``: the user's villages when the caller has read them already (a sync batch).
    """
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    if "phone" in data:
        try:
            clean["phone"] = normalize_phone(data["phone"])
        except ValidationError as error:
            errors.update(error.fields or {})
    if data.get("id_number"):
        number = normalize_id_number(data["id_number"])
        if number is None:
            errors["id_number"] = ["not a valid 18-character identity number (check digit)"]
        clean["id_number"] = number
    elif "id_number" in data:
        clean["id_number"] = None
    if "key_group_flags" in data:
        clean["key_group_flags"] = flags_to_bits(data["key_group_flags"] or [])
    if "village_id" in data:
        if area_village_ids is not None:
            visible = data["village_id"] in area_village_ids
        else:
            visible = (
                db.session.scalar(
                    select(Village.id).where(Village.id == data["village_id"], village_clause(user))
                )
                is not None
            )
        if not visible:
            errors["village_id"] = ["no such village in your area"]
    if errors:
        raise ValidationError("Some fields are not valid.", fields=errors)
    return clean


def _raise_duplicate(user: User, id_number: str | None, record_number: str | None = None) -> None:
    """409 ``duplicate_resident`` when the identity or record number is taken; the existing id
    only when the caller may see it.

    A duplicate outside the caller's area says no more than that the number is taken
    (API.md v2), and the attempt is audited: it tells that the person is in the programme.
    """
    for column, value, what in (
        (Resident.id_number, id_number, "identity number"),
        (Resident.record_number, record_number, "record number"),
    ):
        if not value:
            continue
        found = db.session.execute(
            select(Resident.id, resident_clause(user).label("visible")).where(column == value)
        ).first()
        if found is None:
            continue
        existing, visible = found
        if not visible:
            record_refused_attempt(user, "duplicate", "resident", existing)
        raise ConflictError(
            f"A resident with this {what} exists already.",
            code="duplicate_resident",
            extra={"existing_id": str(existing)} if visible else {},
        )


def _is_opted_out(phone: str | None) -> bool:
    return phone is not None and db.session.get(SmsOptOut, phone) is not None


def add_resident(
    user: User, data: dict[str, Any], area_village_ids: Collection[uuid.UUID] | None = None
) -> tuple[Resident, bool]:
    """Register a resident in the current transaction (idempotent by id); the caller commits."""
    if not can_write_residents(user):
        raise ForbiddenError("Your role may not record residents.")
    clean = _check_fields(user, data, area_village_ids)

    def build(digest: str) -> Resident:
        _raise_duplicate(user, clean.get("id_number"), clean.get("record_number"))
        fields = {k: v for k, v in clean.items() if v is not None or k != "id"}
        return Resident(
            **fields, request_hash=digest, created_by=user.id, opted_out=_is_opted_out(clean.get("phone"))
        )

    resident, created = insert_once(
        Resident,
        data,
        build,
        on_conflict=lambda _e: _raise_duplicate(user, clean.get("id_number"), clean.get("record_number")),
    )
    if created:
        record_access(user, "create", "resident", resident.id)
    return resident, created


def create_resident(user: User, data: dict[str, Any]) -> tuple[Resident, bool]:
    """Register a resident (idempotent by id); returns ``(resident, created)``."""
    result = add_resident(user, data)
    db.session.commit()
    return result


def get_resident(user: User, resident_id: uuid.UUID, *, audit: bool = True) -> Resident:
    """A resident in the user's area, or 404; the read is audited."""
    resident = db.session.scalar(select(Resident).where(Resident.id == resident_id, resident_clause(user)))
    if resident is None:
        raise NotFoundError("No such resident.")
    if audit:
        record_access(user, "read", "resident", resident.id)
        db.session.commit()
    return resident


def resident_records_page(
    user: User, model: Any, resident_id: uuid.UUID, newest: Any, page: int, per_page: int
) -> tuple[list[Any], int]:
    """One page of a resident's rows of ``model``, newest (by ``newest``) first, and their total.

    404 outside the caller's area; the read of the resident is audited.
    """
    resident = get_resident(user, resident_id)
    query = select(model).where(model.resident_id == resident.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(newest.desc(), model.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), total


def update_resident(user: User, resident_id: uuid.UUID, data: dict[str, Any]) -> Resident:
    """Change a resident's fields; a new phone clears the invalid flag."""
    if not can_write_residents(user):
        raise ForbiddenError("Your role may not change residents.")
    resident = get_resident(user, resident_id, audit=False)
    clean = _check_fields(user, data)
    if clean.get("id_number") and clean["id_number"] != resident.id_number:
        _raise_duplicate(user, clean["id_number"])
    if "phone" in clean and clean["phone"] != resident.phone:
        resident.phone_invalid = False
        resident.opted_out = _is_opted_out(clean["phone"])
    for key, value in clean.items():
        setattr(resident, key, value)
    record_access(user, "update", "resident", resident.id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _raise_duplicate(user, clean.get("id_number"))
        raise
    return resident


SEARCH_MIN_DIGITS = 4


def _matches(term: str) -> ColumnElement[bool]:
    """Name contains ``term``; or the phone, identity or record number contains its digits (4 or more)."""
    pattern = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    conditions = [Resident.name.ilike(f"%{pattern}%", escape="\\")]
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= SEARCH_MIN_DIGITS:
        conditions.append(Resident.phone.like(f"%{digits}%"))
        conditions.append(Resident.id_number.like(f"%{pattern.upper()}%", escape="\\"))
        conditions.append(Resident.record_number.like(f"%{digits}%"))
    return or_(*conditions)


def resident_key_group(code: str) -> ColumnElement[bool]:
    """Residents in key group ``code`` today."""
    return key_group_clause(code, Resident.id, Resident.birth_date, Resident.key_group_flags, local_today())


def search_residents(
    user: User,
    *,
    village_id: uuid.UUID | None,
    q: str | None,
    page: int,
    per_page: int,
    key_group: str | None = None,
) -> tuple[list[Resident], int]:
    """A page of residents in the user's area matching ``q`` (name, phone, id or record number)."""
    query = select(Resident).where(resident_clause(user))
    if village_id is not None:
        query = query.where(Resident.village_id == village_id)
    if key_group is not None:
        query = query.where(resident_key_group(key_group))
    term = (q or "").strip()
    if term:
        query = query.where(_matches(term))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(
        db.session.scalars(
            query.order_by(Resident.name, Resident.id).limit(per_page).offset((page - 1) * per_page)
        )
    )
    filters = {"village_id": village_id, "q": term, "page": page, "per_page": per_page}
    record_bulk_read(user, "residents", filters, len(rows))
    return rows, total


def enrollments_of(resident_id: uuid.UUID) -> list[Any]:
    """A resident's enrollments, newest first."""
    from fieldapp.followups.models import Enrollment

    query = select(Enrollment).where(Enrollment.resident_id == resident_id)
    return list(db.session.scalars(query.order_by(Enrollment.enrolled_on.desc())))
