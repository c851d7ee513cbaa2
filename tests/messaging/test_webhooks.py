"""Twilio's signed form posts: delivery reports move forward only; replies opt out, opt in, confirm."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.messaging.models import InboundMessage, Message, SmsOptOut
from fieldapp.messaging.service import queue_sms
from fieldapp.residents.models import Resident
from tests.builders import create_resident, create_village
from tests.messaging.builders import create_enrollment, create_message
from tests.messaging.fixtures import AUTH_TOKEN, PUBLIC_URL, local


def post_signed(client: FlaskClient, path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> Any:
    signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def report(client: FlaskClient, message: Message, status: str, **extra: str) -> Any:
    form = {"MessageSid": message.provider_sid or "SMunknown", "MessageStatus": status, **extra}
    return post_signed(client, f"/webhooks/twilio/status?m={message.id}", form)


def reply(client: FlaskClient, phone: str, body: str, sid: str | None = None) -> Any:
    form = {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "From": phone, "To": "+15005550006", "Body": body}
    return post_signed(client, "/webhooks/twilio/inbound", form)


@pytest.mark.parametrize("path", ["/webhooks/twilio/status", "/webhooks/twilio/inbound"])
def test_unsigned_and_badly_signed_posts_are_refused(app: Flask, client: FlaskClient, path: str) -> None:
    form = {"MessageSid": "SM1", "MessageStatus": "delivered", "From": "+8613900000001", "Body": "TD"}
    unsigned = client.post(path, data=form)
    assert unsigned.status_code == 403
    assert unsigned.get_json()["error"]["code"] == "forbidden"
    forged = post_signed(client, path, form, token="not-our-token")
    assert forged.status_code == 403
    tampered = client.post(
        path,
        data={**form, "Body": "1"},
        headers={
            "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, form)
        },
    )
    assert tampered.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_signed_report_moves_the_message_on(app: Flask, client: FlaskClient) -> None:
    message = create_message(provider_sid="SMabc", status="sent")
    response = report(client, message, "delivered")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    db.session.refresh(message)
    assert message.status == "delivered"
    assert message.delivered_at is not None


def test_out_of_order_reports_never_move_a_status_back(app: Flask, client: FlaskClient) -> None:
    message = create_message(provider_sid="SMabc", status="sent")
    for status in ("delivered", "sent", "queued", "sending", "undelivered", "failed"):
        assert report(client, message, status).status_code == 200
    db.session.refresh(message)
    assert message.status == "delivered"


def test_a_duplicate_report_changes_nothing(app: Flask, client: FlaskClient) -> None:
    message = create_message(provider_sid="SMabc", status="sent")
    report(client, message, "undelivered", ErrorCode="30003")
    report(client, message, "undelivered", ErrorCode="30003")
    db.session.refresh(message)
    assert (message.status, message.error_code) == ("undelivered", "30003")


def test_a_report_adopts_a_message_whose_worker_died_before_recording_the_sid(
    app: Flask, client: FlaskClient
) -> None:
    message = create_message(status="sending", provider_sid=None)
    form = {"MessageSid": "SMfromtwilio", "MessageStatus": "sent"}
    post_signed(client, f"/webhooks/twilio/status?m={message.id}", form)
    db.session.refresh(message)
    assert (message.status, message.provider_sid) == ("sent", "SMfromtwilio")


def test_a_failed_report_for_a_bad_number_flags_the_phone(app: Flask, client: FlaskClient) -> None:
    resident = create_resident(create_village())
    message = create_message(resident, provider_sid="SMabc", status="sent")
    report(client, message, "failed", ErrorCode="21614")
    assert db.session.get(Resident, resident.id).phone_invalid is True
    assert db.session.get(Message, message.id).status == "failed"


def test_td_opts_the_number_out_and_is_answered_once(app: Flask, client: FlaskClient) -> None:
    village = create_village()
    resident = create_resident(village)
    sibling = create_resident(village, phone=resident.phone)  # a shared family phone
    first = reply(client, resident.phone, " td ", sid="SM1")
    assert first.status_code == 200
    assert "您已退订" in first.get_data(as_text=True)
    assert "<Message>" in first.get_data(as_text=True)
    assert db.session.get(SmsOptOut, resident.phone) is not None
    assert db.session.get(Resident, resident.id).opted_out is True
    assert db.session.get(Resident, sibling.id).opted_out is True
    duplicate = reply(client, resident.phone, " td ", sid="SM1")
    again = reply(client, resident.phone, "退订", sid="SM2")
    for answer in (duplicate, again):
        assert "<Message>" not in answer.get_data(as_text=True)
    replies = db.session.scalars(select(Message).where(Message.kind == "reply")).all()
    assert [(m.to, m.status) for m in replies] == [(resident.phone, "sent")]
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 2
    later = queue_sms(
        to=resident.phone,
        body="x",
        kind="reminder",
        dedupe_key="after-td",
        resident_id=resident.id,
        respect_quiet_hours=True,
        now=local(2026, 11, 22, 10, 0),
    )
    assert (later.status, later.suppressed_reason) == ("suppressed", "opted_out")


def test_start_opts_back_in(app: Flask, client: FlaskClient) -> None:
    resident = create_resident(create_village(), language="en")
    reply(client, resident.phone, "STOP")
    answer = reply(client, resident.phone, "start")
    assert "health reminders again" in answer.get_data(as_text=True)
    assert db.session.get(SmsOptOut, resident.phone) is None
    assert db.session.get(Resident, resident.id).opted_out is False


def test_one_confirms_the_soonest_appointment(app: Flask, client: FlaskClient) -> None:
    resident = create_resident(create_village())
    later = create_enrollment(resident, date(2026, 12, 20), condition="diabetes")
    sooner = create_enrollment(resident, date(2026, 11, 25))
    answer = reply(client, resident.phone, "1")
    assert "已确认" in answer.get_data(as_text=True)
    assert db.session.get(Enrollment, sooner.id).appointment_confirmed_at is not None
    assert db.session.get(Enrollment, later.id).appointment_confirmed_at is None
    inbound = db.session.scalars(select(InboundMessage)).one()
    assert (inbound.action, inbound.resident_id) == ("confirm", resident.id)


def test_anything_else_is_kept_for_the_doctor_without_an_answer(app: Flask, client: FlaskClient) -> None:
    resident = create_resident(create_village())
    answer = reply(client, resident.phone, "我下周三来卫生院")
    assert "<Message>" not in answer.get_data(as_text=True)
    inbound = db.session.scalars(select(InboundMessage)).one()
    assert (inbound.action, inbound.body, inbound.resident_id) == ("note", "我下周三来卫生院", resident.id)
    assert db.session.get(Resident, resident.id).opted_out is False


def test_a_reply_from_an_unknown_number_is_still_answered(app: Flask, client: FlaskClient) -> None:
    answer = reply(client, "+8613912345678", "TD")
    assert "县域健康服务" in answer.get_data(as_text=True)
