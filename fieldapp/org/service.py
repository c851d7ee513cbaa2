"""Setting up the county: townships, villages, facilities and staff."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldapp.auth.models import Role, User
from fieldapp.auth.scoping import TOWNSHIP_ROLES, township_clause, village_clause
from fieldapp.auth.service import end_sessions, hash_password
from fieldapp.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.idempotency import insert_once
from fieldapp.org.models import Facility, Township, Village

M = TypeVar("M")


def normalize_phone(raw: str | None, field: str = "phone") -> str | None:
    """E.164 form of a phone number (default region CN); 422 when it is not a number."""
    if raw is None or not str(raw).strip():
        return None
    try:
        number = phonenumbers.parse(str(raw), "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError("Some fields are not valid.", fields={field: ["not a valid phone number"]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _insert(model: type[M], data: dict[str, Any], build: Callable[[str], M], what: str) -> tuple[M, bool]:
    """Insert once by id (a replay answers the stored row); a taken code or name is 409."""

    def taken(_error: IntegrityError) -> None:
        raise ConflictError(f"A {what} with this code or name exists already.")

    row, created = insert_once(model, data, build, on_conflict=taken)
    db.session.commit()
    return row, created


def _without_id(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a new row; the server picks the id when the client did not."""
    return {k: v for k, v in data.items() if k != "id" or v is not None}


def create_township(data: dict[str, Any]) -> tuple[Township, bool]:
    """Add a township; returns ``(township, created)``."""
    return _insert(
        Township, data, lambda digest: Township(**_without_id(data), request_hash=digest), "township"
    )


def get_township(township_id: uuid.UUID) -> Township:
    """A township by id, or 404."""
    township = db.session.get(Township, township_id)
    if township is None:
        raise NotFoundError("No such township.")
    return township


def update_township(township_id: uuid.UUID, data: dict[str, Any]) -> Township:
    """Rename a township or set its expected figures (a condition left out keeps its figure)."""
    township = get_township(township_id)
    if "name" in data:
        township.name = data["name"]
    expected = data.get("expected") or {}
    if "hypertension" in expected:
        township.expected_hypertension = expected["hypertension"]
    if "diabetes" in expected:
        township.expected_diabetes = expected["diabetes"]
    db.session.commit()
    return township


def update_village(village_id: uuid.UUID, data: dict[str, Any]) -> Village:
    """Rename a village."""
    village = db.session.get(Village, village_id)
    if village is None:
        raise NotFoundError("No such village.")
    if "name" in data:
        village.name = data["name"]
    db.session.commit()
    return village


def create_village(data: dict[str, Any]) -> tuple[Village, bool]:
    """Add a village to an existing township; returns ``(village, created)``."""
    if db.session.get(Township, data["township_id"]) is None:
        raise ValidationError("Some fields are not valid.", fields={"township_id": ["no such township"]})
    return _insert(Village, data, lambda digest: Village(**_without_id(data), request_hash=digest), "village")


def create_facility(data: dict[str, Any]) -> tuple[Facility, bool]:
    """Add a county facility; returns ``(facility, created)``."""
    data = {**data, "phone": normalize_phone(data.get("phone"))}
    return _insert(
        Facility, data, lambda digest: Facility(**_without_id(data), request_hash=digest), "facility"
    )


def list_townships(user: User) -> list[Township]:
    """Townships the user may see."""
    return list(db.session.scalars(select(Township).where(township_clause(user)).order_by(Township.code)))


def list_villages(user: User, township_id: uuid.UUID | None = None) -> list[Village]:
    """Villages the user may see, optionally of one township."""
    query = select(Village).where(village_clause(user)).order_by(Village.code)
    if township_id is not None:
        query = query.where(Village.township_id == township_id)
    return list(db.session.scalars(query))


def list_facilities() -> list[Facility]:
    """Every facility (anyone may refer to any county facility)."""
    return list(db.session.scalars(select(Facility).order_by(Facility.code)))


def _user_clause(user: User):  # type: ignore[no-untyped-def]
    if user.role == Role.COUNTY_ADMIN:
        return True
    if user.role in TOWNSHIP_ROLES:
        return User.township_id == user.township_id
    if user.role == Role.REFERRAL_DESK:
        return User.facility_id == user.facility_id
    return User.id == user.id


def list_users(user: User) -> list[User]:
    """Users the caller may see."""
    query = select(User).order_by(User.username)
    clause = _user_clause(user)
    if clause is not True:
        query = query.where(clause)
    return list(db.session.scalars(query))


def get_user(caller: User, user_id: uuid.UUID) -> User:
    """A user the caller may see, or 404."""
    query = select(User).where(User.id == user_id)
    clause = _user_clause(caller)
    if clause is not True:
        query = query.where(clause)
    found = db.session.scalar(query)
    if found is None:
        raise NotFoundError("No such user.")
    return found


def _check_placement(data: dict[str, Any]) -> list[Village]:
    """Check that a user's township, villages and facility fit the role."""
    errors: dict[str, list[str]] = {}
    role = data["role"]
    if role in (Role.VILLAGE_DOCTOR, *TOWNSHIP_ROLES) and not data.get("township_id"):
        errors["township_id"] = ["required for this role"]
    if role == Role.REFERRAL_DESK and not data.get("facility_id"):
        errors["facility_id"] = ["required for this role"]
    if data.get("township_id") and db.session.get(Township, data["township_id"]) is None:
        errors["township_id"] = ["no such township"]
    if data.get("facility_id") and db.session.get(Facility, data["facility_id"]) is None:
        errors["facility_id"] = ["no such facility"]
    ids = list(dict.fromkeys(data.get("village_ids") or []))
    villages = list(db.session.scalars(select(Village).where(Village.id.in_(ids)))) if ids else []
    if len(villages) != len(ids):
        errors["village_ids"] = ["unknown village"]
    elif any(v.township_id != data.get("township_id") for v in villages):
        errors["village_ids"] = ["villages must belong to the user's township"]
    if errors:
        raise ValidationError("Some fields are not valid.", fields=errors)
    return villages


def create_staff_user(data: dict[str, Any]) -> tuple[User, bool]:
    """Create a member of staff (county admin only); returns ``(user, created)``.

    A replay is recognised without the password, which is never hashed into the request hash.
    """
    villages = _check_placement(data)
    phone = normalize_phone(data.get("phone"))

    def build(digest: str) -> User:
        user = User(
            username=data["username"],
            password_hash=hash_password(data["password"]),
            role=data["role"],
            township_id=data.get("township_id"),
            facility_id=data.get("facility_id"),
            phone=phone,
            name=data.get("name"),
            request_hash=digest,
        )
        if data.get("id") is not None:
            user.id = data["id"]
        user.villages = villages
        return user

    public = {k: v for k, v in data.items() if k != "password"}
    return _insert(User, public, build, "user")


def update_staff_user(caller: User, user_id: uuid.UUID, data: dict[str, Any]) -> User:
    """Edit a user: admins anything, township managers only the villages of their doctors."""
    target = get_user(caller, user_id)
    if caller.role == Role.TOWNSHIP_MANAGER:
        if set(data) - {"village_ids"} or target.role not in (Role.VILLAGE_DOCTOR, Role.TOWNSHIP_DOCTOR):
            raise ForbiddenError("A township manager may only assign villages to its doctors.")
    elif caller.role != Role.COUNTY_ADMIN:
        raise ForbiddenError("Your role may not change users.")
    merged = {
        "role": data.get("role", target.role),
        "township_id": data.get("township_id", target.township_id),
        "facility_id": data.get("facility_id", target.facility_id),
        "village_ids": data.get("village_ids", target.village_ids),
    }
    villages = _check_placement(merged)
    target.role = merged["role"]
    target.township_id = merged["township_id"]
    target.facility_id = merged["facility_id"]
    target.villages = villages
    if "password" in data:
        target.password_hash = hash_password(data["password"])
    if "phone" in data:
        target.phone = normalize_phone(data["phone"])
    for key in ("name", "active"):
        if key in data:
            setattr(target, key, data[key])
    if "password" in data or data.get("active") is False:
        end_sessions(target)  # commits
    db.session.commit()
    return target
