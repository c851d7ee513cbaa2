"""Driven from outside, as the issue's "done when" says: the CLI with --at, signed webhooks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.messaging.models import Message
from fieldapp.residents.models import Resident
from tests.builders import (
    create_facility,
    create_resident,
    create_township,
    create_user,
    create_village,
    post_emergency_referral,
)
from tests.messaging.builders import create_enrollment
from tests.messaging.test_webhooks import reply

MANAGER_PHONE = "+8613800000002"
ADMIN_PHONE = "+8613800000003"


def sms_to(phone: str) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.to == phone).order_by(Message.created_at)))


def test_a_resident_is_reminded_once_held_through_the_night_and_opted_out_by_td(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    resident = create_resident(create_village(create_township(name="青山镇")))
    create_enrollment(resident, date(2026, 11, 25))
    phone = resident.phone
    assert runner.invoke(args=["reminders", "scan", "--at", "2026-11-22T21:00:00+08:00"]).exit_code == 0
    assert [(m.status, m.kind) for m in sms_to(phone)] == [("queued", "reminder")]
    runner.invoke(args=["reminders", "scan", "--at", "2026-11-23T07:45:00+08:00"])
    assert [m.status for m in sms_to(phone)] == ["queued"]
    runner.invoke(args=["reminders", "scan", "--at", "2026-11-23T08:00:00+08:00"])
    runner.invoke(args=["reminders", "scan", "--at", "2026-11-23T08:15:00+08:00"])
    assert [m.status for m in sms_to(phone)] == ["sent"]
    assert "您已退订" in reply(client, phone, "TD").get_data(as_text=True)
    create_enrollment(resident, date(2026, 11, 30), condition="diabetes")
    runner.invoke(args=["reminders", "scan", "--at", "2026-11-28T09:00:00+08:00"])
    assert [(m.kind, m.status) for m in sms_to(phone)] == [("reminder", "sent"), ("reply", "sent")]
    assert db.session.get(Resident, resident.id).opted_out is True


def test_an_unanswered_emergency_climbs_to_the_manager_then_the_county_once_each(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    township = create_township()
    village = create_village(township)
    facility = create_facility()
    create_user(Role.REFERRAL_DESK, facility=facility)
    create_user(Role.TOWNSHIP_MANAGER, township=township, phone=MANAGER_PHONE)
    create_user(Role.COUNTY_ADMIN, phone=ADMIN_PHONE)
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    resident = create_resident(village)
    created = post_emergency_referral(client, doctor, resident, facility)
    assert created.status_code == 201, created.get_json()
    start = datetime.fromisoformat(created.get_json()["created_at"])

    def escalate(minutes: int) -> None:
        at = (start + timedelta(minutes=minutes)).isoformat()
        result = runner.invoke(args=["referrals", "escalate", "--at", at])
        assert result.exit_code == 0, result.output

    escalate(14)
    assert sms_to(MANAGER_PHONE) == []
    escalate(16)
    escalate(17)
    assert [m.kind for m in sms_to(MANAGER_PHONE)] == ["escalation"]
    assert sms_to(ADMIN_PHONE) == []
    escalate(31)
    escalate(45)
    assert [m.kind for m in sms_to(MANAGER_PHONE)] == ["escalation"]
    assert [(m.kind, m.status) for m in sms_to(ADMIN_PHONE)] == [("escalation", "sent")]
    for message in sms_to(MANAGER_PHONE) + sms_to(ADMIN_PHONE):
        assert resident.name not in message.body
