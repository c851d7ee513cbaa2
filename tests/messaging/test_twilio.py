"""The real twilio client against a loopback Messages API: success, bad numbers, retries, a dead worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.messaging.clients import RetryableDeliveryError
from fieldapp.messaging.models import Message
from fieldapp.messaging.service import queue_sms, recover_stale_sending, send_message
from fieldapp.residents.models import Resident
from tests.builders import create_resident, create_village
from tests.messaging.fixtures import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, local
from tests.messaging.loopback import Answer, TwilioLoopback

DAYTIME = local(2026, 11, 22, 10, 0)


def _queued(resident: Resident | None = None, key: str = "m1") -> Message:
    message = queue_sms(
        to=resident.phone if resident else "+8613800000001",
        body="【青山镇卫生院】您的健康随访将于11月25日到期。回复TD退订",
        kind="reminder",
        dedupe_key=key,
        resident_id=resident.id if resident else None,
        respect_quiet_hours=False,
        now=DAYTIME,
    )
    db.session.commit()
    return message


def test_a_message_goes_to_twilio_with_our_status_callback(app: Flask, twilio: TwilioLoopback) -> None:
    resident = create_resident(create_village())
    message = _queued(resident)
    assert send_message(message.id, now=DAYTIME) == "sent"
    [sent] = twilio.state.messages
    assert sent["to"] == resident.phone
    assert sent["from"] == "+15005550006"
    assert sent["body"] == message.body
    assert sent["status_callback"] == f"{PUBLIC_URL}/webhooks/twilio/status?m={message.id}"
    assert sent["account_sid"] == ACCOUNT_SID
    db.session.refresh(message)
    assert (message.status, message.provider_sid) == ("sent", sent["sid"])


def test_a_messaging_service_replaces_the_sender(app: Flask, twilio: TwilioLoopback) -> None:
    app.config.update(TWILIO_FROM=None, TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32)
    send_message(_queued().id, now=DAYTIME)
    assert twilio.state.messages[0]["messaging_service_sid"] == "MG" + "1" * 32


@pytest.mark.parametrize("code", [21211, 21614])
def test_an_invalid_number_fails_and_flags_the_phone(app: Flask, twilio: TwilioLoopback, code: int) -> None:
    resident = create_resident(create_village())
    twilio.state.plan = [Answer(status=400, code=code)]
    message = _queued(resident)
    assert send_message(message.id, now=DAYTIME) == "failed"
    db.session.refresh(message)
    assert message.error_code == str(code)
    assert db.session.get(Resident, resident.id).phone_invalid is True
    assert send_message(message.id, now=DAYTIME) == "failed"
    assert twilio.state.attempts == 1


def test_a_refusal_is_retried_until_it_goes(app: Flask, twilio: TwilioLoopback) -> None:
    twilio.state.plan = [Answer(status=429, code=20429), Answer(status=503)]
    message = _queued()
    for _ in range(2):
        with pytest.raises(RetryableDeliveryError):
            send_message(message.id, now=DAYTIME)
        assert db.session.get(Message, message.id).status == "queued"
    assert send_message(message.id, now=DAYTIME) == "sent"
    assert db.session.get(Message, message.id).attempts == 3
    assert len(twilio.state.messages) == 1


def test_five_refusals_fail_the_message(app: Flask, twilio: TwilioLoopback) -> None:
    twilio.state.plan = [Answer(status=500)] * 6
    message = _queued()
    for _ in range(4):
        with pytest.raises(RetryableDeliveryError):
            send_message(message.id, now=DAYTIME)
    assert send_message(message.id, now=DAYTIME) == "failed"
    assert send_message(message.id, now=DAYTIME) == "failed"
    assert twilio.state.attempts == 5


def test_retries_wait_longer_each_time(app: Flask, twilio: TwilioLoopback) -> None:
    app.config["SMS_RETRY_WAITS"] = (30, 120, 600, 1800)
    twilio.state.plan = [Answer(status=500)] * 2
    message = _queued()
    with pytest.raises(RetryableDeliveryError):
        send_message(message.id, now=DAYTIME)
    assert db.session.get(Message, message.id).send_after == DAYTIME + timedelta(seconds=30)
    assert send_message(message.id, now=DAYTIME + timedelta(seconds=29)) == "held"
    with pytest.raises(RetryableDeliveryError):
        send_message(message.id, now=DAYTIME + timedelta(seconds=30))
    assert db.session.get(Message, message.id).send_after == DAYTIME + timedelta(seconds=150)


def test_an_unreachable_provider_is_retried(app: Flask, twilio: TwilioLoopback) -> None:
    app.config["TWILIO_API_BASE_URL"] = "http://127.0.0.1:1"
    message = _queued()
    with pytest.raises(RetryableDeliveryError):
        send_message(message.id, now=DAYTIME)
    assert db.session.get(Message, message.id).status == "queued"


def _worker_env(app: Flask, twilio: TwilioLoopback) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FIELDAPP_INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": "test-secret",
        "SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+15005550006",
        "TWILIO_API_BASE_URL": twilio.url,
        "FIELDAPP_PUBLIC_URL": PUBLIC_URL,
    }


def test_a_worker_killed_mid_send_is_resolved_without_a_second_send(
    app: Flask, twilio: TwilioLoopback
) -> None:
    """Twilio took the message, the worker died before recording it: recovery adopts Twilio's copy."""
    message = _queued()
    twilio.state.plan = [Answer(hang=True)]
    worker = subprocess.Popen(
        [sys.executable, "-c", f"from workers.jobs import send_sms_job; send_sms_job('{message.id}')"],
        env=_worker_env(app, twilio),
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert twilio.state.hanging.wait(30), "the worker never reached Twilio"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    db.session.expire_all()
    stuck = db.session.get(Message, message.id)
    assert (stuck.status, stuck.provider_sid) == ("sending", None)
    assert recover_stale_sending(stuck.updated_at + timedelta(minutes=5)) == 0  # not stale yet
    assert recover_stale_sending(stuck.updated_at + timedelta(minutes=11)) == 1
    db.session.refresh(stuck)
    assert (stuck.status, stuck.provider_sid) == ("sent", twilio.state.messages[0]["sid"])
    assert send_message(message.id) == "sent"
    assert twilio.state.attempts == 1


def test_a_send_that_never_reached_twilio_is_sent_once_after_recovery(
    app: Flask, twilio: TwilioLoopback
) -> None:
    message = _queued()
    db.session.execute(
        Message.__table__.update()
        .where(Message.id == message.id)
        .values(status="sending", updated_at=DAYTIME)
    )
    db.session.commit()
    recover_stale_sending(DAYTIME + timedelta(minutes=11))
    assert db.session.scalar(select(Message.status).where(Message.id == message.id)) == "queued"
    assert send_message(message.id, now=DAYTIME + timedelta(minutes=11)) == "sent"
    assert twilio.state.attempts == 1
