"""The world the matrix runs in: two townships, and one caller of each role in the first."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.org.models import Facility, Township, Village
from fieldapp.referrals.models import Referral
from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow
from tests.builders import (
    auth_headers,
    create_facility,
    create_resident,
    create_township,
    create_user,
    create_village,
)

# Far above what the referrals service numbers, so rows built here never collide with its.
_referral_numbers = itertools.count(900_001)


@dataclass(frozen=True)
class Area:
    """One township with a village, and the county facility its referrals go to."""

    township: Township
    village: Village
    facility: Facility


@dataclass(frozen=True)
class World:
    """Callers of every role, all placed in ``inside``; ``outside`` is another township."""

    inside: Area
    outside: Area
    callers: dict[Role, User]
    headers: dict[Role, dict[str, str]]


def create_area() -> Area:
    """A township, one of its villages and a county facility."""
    township = create_township()
    return Area(township=township, village=create_village(township), facility=create_facility())


def create_world() -> World:
    """Two areas and one signed-in caller per role in the first."""
    inside, outside = create_area(), create_area()
    callers = {
        Role.VILLAGE_DOCTOR: create_user(
            Role.VILLAGE_DOCTOR, township=inside.township, villages=[inside.village]
        ),
        Role.TOWNSHIP_DOCTOR: create_user(Role.TOWNSHIP_DOCTOR, township=inside.township),
        Role.TOWNSHIP_MANAGER: create_user(Role.TOWNSHIP_MANAGER, township=inside.township),
        Role.REFERRAL_DESK: create_user(Role.REFERRAL_DESK, facility=inside.facility),
        Role.COUNTY_ADMIN: create_user(Role.COUNTY_ADMIN),
    }
    headers = {role: auth_headers(user) for role, user in callers.items()}
    return World(inside=inside, outside=outside, callers=callers, headers=headers)


def refer(resident: Resident, area: Area) -> Referral:
    """A pending referral of ``resident`` to the area's facility (what lets its desk see them)."""
    referral = Referral(
        number=next(_referral_numbers),
        resident_id=resident.id,
        facility_id=area.facility.id,
        township_id=area.township.id,
        urgency="urgent",
        reason="uncontrolled blood pressure",
        status="pending",
        ack_deadline=utcnow() + timedelta(hours=2),
    )
    db.session.add(referral)
    db.session.commit()
    return referral


def resident_in(area: Area) -> Resident:
    """A resident of the area's village, referred to its facility, so every role of the area sees them."""
    resident = create_resident(area.village)
    refer(resident, area)
    return resident


def doctor_in(area: Area) -> User:
    """A village doctor of the area (a member of staff to look up or change)."""
    return create_user(Role.VILLAGE_DOCTOR, township=area.township, villages=[area.village])
