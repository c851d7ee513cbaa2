"""What each user may see: the one place that decides areas (API.md's role table).

Every query for area-bound rows adds one of these clauses; a row outside the
clause is answered as 404 by the caller, never as a hint that it exists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select, true

from fieldapp.auth.models import Role, User, user_villages
from fieldapp.org.models import Township, Village
from fieldapp.residents.models import Resident

TOWNSHIP_ROLES = (Role.TOWNSHIP_DOCTOR, Role.TOWNSHIP_MANAGER)
FIELD_ROLES = (Role.VILLAGE_DOCTOR, Role.TOWNSHIP_DOCTOR, Role.TOWNSHIP_MANAGER)


def _own_village_ids(user: User):  # type: ignore[no-untyped-def]
    return select(user_villages.c.village_id).where(user_villages.c.user_id == user.id)


def village_clause(user: User) -> ColumnElement[bool]:
    """Villages the user may see."""
    if user.role == Role.COUNTY_ADMIN:
        return true()
    if user.role == Role.VILLAGE_DOCTOR:
        return Village.id.in_(_own_village_ids(user))
    if user.role in TOWNSHIP_ROLES and user.township_id is not None:
        return Village.township_id == user.township_id
    return false()


def township_clause(user: User) -> ColumnElement[bool]:
    """Townships the user may see."""
    if user.role == Role.COUNTY_ADMIN:
        return true()
    if user.role in TOWNSHIP_ROLES and user.township_id is not None:
        return Township.id == user.township_id
    if user.role == Role.VILLAGE_DOCTOR:
        return Township.id.in_(select(Village.township_id).where(Village.id.in_(_own_village_ids(user))))
    return false()


def resident_village_clause(user: User, village_column: Any) -> ColumnElement[bool]:
    """Rows whose ``village_column`` lies in the user's area (field roles and admins)."""
    if user.role == Role.COUNTY_ADMIN:
        return true()
    if user.role == Role.VILLAGE_DOCTOR:
        return village_column.in_(_own_village_ids(user))
    if user.role in TOWNSHIP_ROLES and user.township_id is not None:
        return village_column.in_(select(Village.id).where(Village.township_id == user.township_id))
    return false()


def resident_clause(user: User) -> ColumnElement[bool]:
    """Residents the user may see; a referral desk sees those referred to its facility."""
    if user.role == Role.REFERRAL_DESK:
        from fieldapp.referrals.models import Referral

        if user.facility_id is None:
            return false()
        return Resident.id.in_(select(Referral.resident_id).where(Referral.facility_id == user.facility_id))
    return resident_village_clause(user, Resident.village_id)


def referral_clause(user: User):  # type: ignore[no-untyped-def]
    """Referrals the user may see."""
    from fieldapp.referrals.models import Referral

    if user.role == Role.COUNTY_ADMIN:
        return true()
    if user.role == Role.REFERRAL_DESK:
        return Referral.facility_id == user.facility_id if user.facility_id else false()
    if user.role in TOWNSHIP_ROLES and user.township_id is not None:
        return Referral.township_id == user.township_id
    if user.role == Role.VILLAGE_DOCTOR:
        return Referral.resident_id.in_(select(Resident.id).where(resident_clause(user)))
    return false()


def can_write_residents(user: User) -> bool:
    """Field roles and admins record residents; a referral desk only reads."""
    return user.role in (*FIELD_ROLES, Role.COUNTY_ADMIN)
