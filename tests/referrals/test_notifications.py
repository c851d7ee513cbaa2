"""Who is told what about a referral: staff by number only, residents with consent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.messaging.models import Message, PushDelivery
from fieldapp.referrals import service
from fieldapp.referrals.models import Referral
from tests.referrals.builders import RESIDENT_NAME, County, create_county, refer

CREATED = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def county(app: Any) -> County:
    return create_county()


def messages(referral: Referral) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.referral_id == referral.id)))


def pushes(referral: Referral) -> list[PushDelivery]:
    return list(
        db.session.scalars(
            select(PushDelivery).where(PushDelivery.dedupe_key.like(f"referral:{referral.id}:%"))
        )
    )


def test_creation_pushes_to_the_desk_and_texts_the_facility(county: County) -> None:
    referral = refer(county, urgency="emergency", now=CREATED)
    assert [(m.to, m.kind) for m in messages(referral)] == [(county.facility.phone, "referral")]
    [push] = pushes(referral)
    assert push.user_id == county.desk.id
    assert push.urgency == "high"
    payload = json.loads(push.payload)
    assert referral.reference in payload["title"] + payload["body"]
    assert payload["url"] == "/console/desk"


def test_a_routine_referral_does_not_wake_anyone(county: County) -> None:
    referral = refer(county, urgency="routine", now=CREATED)
    assert [push.urgency for push in pushes(referral)] == ["normal"]


def test_a_replayed_creation_tells_nobody_twice(county: County) -> None:
    import uuid

    referral_id = uuid.uuid4()
    refer(county, id=referral_id, now=CREATED)
    refer(county, id=referral_id, now=CREATED)
    referral = db.session.get(Referral, referral_id)
    assert referral is not None
    assert len(messages(referral)) == 1
    assert len(pushes(referral)) == 1


def test_staff_texts_carry_number_urgency_township_and_facility(county: County) -> None:
    referral = refer(county, urgency="emergency", now=CREATED)
    service.escalate_due_referrals(CREATED + timedelta(minutes=30))
    for message in messages(referral):
        assert referral.reference in message.body
        assert county.facility.name in message.body
        assert county.township.name in message.body


def test_no_staff_text_or_push_names_the_resident_or_the_measurements(county: County) -> None:
    referral = refer(county, urgency="urgent", now=CREATED, reason="血压 185/112 头痛")
    service.escalate_due_referrals(CREATED + timedelta(hours=5))
    service.accept_referral(
        county.desk, referral.id, {"appointment_at": CREATED + timedelta(days=1)}, now=CREATED
    )
    service.complete_referral(county.desk, referral.id, {"outcome": "好转"}, now=CREATED + timedelta(days=2))
    staff = [m.body for m in messages(referral) if m.resident_id is None]
    bodies = staff + [push.payload for push in pushes(referral)]
    assert len(staff) >= 5
    for text in bodies:
        assert RESIDENT_NAME not in text
        # The reading as written, not digits that a UUID in a link may happen to contain.
        assert "185/112" not in text
        assert "头痛" not in text


def test_accept_pushes_to_the_referring_doctor_and_texts_the_resident(county: County) -> None:
    referral = refer(county, now=CREATED)
    appointment = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # 09:30 local
    service.accept_referral(county.desk, referral.id, {"appointment_at": appointment}, now=CREATED)
    doctor_pushes = [p for p in pushes(referral) if p.user_id == county.doctor.id]
    assert len(doctor_pushes) == 1
    [to_resident] = [m for m in messages(referral) if m.resident_id == county.resident.id]
    assert to_resident.to == county.resident.phone
    assert county.facility.name in to_resident.body
    assert "09:30" in to_resident.body
    assert to_resident.status != "suppressed"


@pytest.mark.parametrize(
    ("fields", "reason"), [({"sms_consent": False}, "no_consent"), ({"opted_out": True}, "opted_out")]
)
def test_the_resident_is_texted_only_with_consent(
    county: County, fields: dict[str, Any], reason: str
) -> None:
    for name, value in fields.items():
        setattr(county.resident, name, value)
    db.session.commit()
    referral = refer(county, now=CREATED)
    service.accept_referral(county.desk, referral.id, {}, now=CREATED)
    to_resident = [m for m in messages(referral) if m.resident_id == county.resident.id]
    assert all(m.status == "suppressed" and m.suppressed_reason == reason for m in to_resident)


def test_the_residents_text_waits_for_the_morning(county: County) -> None:
    night = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    referral = refer(county, now=night)
    service.accept_referral(county.desk, referral.id, {}, now=night)
    [to_resident] = [m for m in messages(referral) if m.resident_id == county.resident.id]
    assert to_resident.send_after == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)  # 08:00 local
    facility_sms = [m for m in messages(referral) if m.to == county.facility.phone]
    assert all(m.send_after is None for m in facility_sms)


def test_completion_tells_the_referring_doctor(county: County) -> None:
    referral = refer(county, now=CREATED)
    service.accept_referral(county.desk, referral.id, {}, now=CREATED)
    service.complete_referral(county.desk, referral.id, {"outcome": "好转"}, now=CREATED + timedelta(days=3))
    completed = [m for m in messages(referral) if m.to == county.doctor.phone]
    assert len(completed) == 1
    assert referral.reference in completed[0].body
    assert len([p for p in pushes(referral) if p.user_id == county.doctor.id]) == 2  # accepted, completed


def test_decline_and_cancel_tell_nobody_new(county: County) -> None:
    declined = refer(county, now=CREATED)
    cancelled = refer(county, now=CREATED)
    service.decline_referral(county.desk, declined.id, {"reason": "无床位"}, now=CREATED)
    service.cancel_referral(county.doctor, cancelled.id, {"reason": "拒绝"}, now=CREATED)
    for referral in (declined, cancelled):
        assert len(messages(referral)) == 1
        assert len(pushes(referral)) == 1
