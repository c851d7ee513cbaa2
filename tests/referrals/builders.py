"""Builders for referral tests: a small county with staff on every side of a referral."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.messaging.models import PushSubscription
from fieldapp.org.models import Facility, Township, Village
from fieldapp.referrals import service
from fieldapp.referrals.models import Referral
from fieldapp.residents.models import Resident
from tests.builders import create_facility, create_resident, create_township, create_user, create_village

_phones = itertools.count(1)
RESIDENT_NAME = "王秀英"


def staff_phone() -> str:
    return f"+86137{next(_phones):08d}"


def subscribe(user: User) -> PushSubscription:
    """A browser subscription, so pushes to ``user`` have somewhere to go."""
    subscription = PushSubscription(
        user_id=user.id,
        endpoint=f"https://push.example.test/{uuid.uuid4()}",
        p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        auth="tBHItJI5svbpez7KI4CCXg",
    )
    db.session.add(subscription)
    db.session.commit()
    return subscription


@dataclass
class County:
    """Everyone a referral touches, plus an unrelated township, village and facility."""

    township: Township
    village: Village
    facility: Facility
    doctor: User
    township_doctor: User
    manager: User
    desk: User
    admin: User
    resident: Resident
    other_township: Township
    other_village: Village
    other_facility: Facility
    other_doctor: User
    other_desk: User
    other_manager: User


def create_county() -> County:
    """A county with one referring side, one facility, and an unrelated second of each."""
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    facility = create_facility(name="县人民医院", phone="+8613800000001")
    other_township = create_township(name="白水镇")
    other_village = create_village(other_township, name="西村")
    other_facility = create_facility(name="县中医院", phone="+8613800000002")
    county = County(
        township=township,
        village=village,
        facility=facility,
        doctor=create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village], phone=staff_phone()),
        township_doctor=create_user(Role.TOWNSHIP_DOCTOR, township=township),
        manager=create_user(Role.TOWNSHIP_MANAGER, township=township, phone=staff_phone()),
        desk=create_user(Role.REFERRAL_DESK, facility=facility, phone=staff_phone()),
        admin=create_user(Role.COUNTY_ADMIN, phone=staff_phone()),
        resident=create_resident(village, name=RESIDENT_NAME, sms_consent=True),
        other_township=other_township,
        other_village=other_village,
        other_facility=other_facility,
        other_doctor=create_user(Role.VILLAGE_DOCTOR, township=other_township, villages=[other_village]),
        other_desk=create_user(Role.REFERRAL_DESK, facility=other_facility, phone=staff_phone()),
        other_manager=create_user(Role.TOWNSHIP_MANAGER, township=other_township, phone=staff_phone()),
    )
    for user in (
        county.doctor,
        county.manager,
        county.desk,
        county.admin,
        county.other_desk,
        county.other_manager,
    ):
        subscribe(user)
    return county


def refer(
    county: County,
    *,
    urgency: str = "emergency",
    now: datetime | None = None,
    by: User | None = None,
    **fields: Any,
) -> Referral:
    """A referral of the county's resident to its facility, created through the service."""
    data: dict[str, Any] = {
        "id": None,
        "resident_id": county.resident.id,
        "facility_id": county.facility.id,
        "urgency": urgency,
        "reason": "血压控制不佳",
        "followup_id": None,
        **fields,
    }
    referral, _created = service.create_referral(by or county.doctor, data, now=now)
    return referral


def record_followup(enrollment: Enrollment, performed_at: datetime) -> FollowUp:
    followup = FollowUp(
        enrollment_id=enrollment.id,
        resident_id=enrollment.resident_id,
        condition=enrollment.condition,
        performed_at=performed_at,
        mode="clinic",
        sbp=185,
        dbp=112,
        classification="uncontrolled",
        urgent_referral=True,
        referral_recommended=True,
        next_due_on=performed_at.date(),
    )
    db.session.add(followup)
    db.session.commit()
    return followup
