"""Real RQ workers against Redis (``TEST_REDIS_URL``, else fakeredis), bursting until the queues are empty."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.messaging.clock import frozen_at
from fieldapp.messaging.models import Message, PushSubscription
from fieldapp.messaging.service import dispatch_pending, queue_push, queue_sms
from tests.builders import create_resident, create_user, create_village
from tests.messaging.builders import browser_keys, create_enrollment
from tests.messaging.fixtures import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, local
from tests.messaging.loopback import Answer, PushLoopback, TwilioLoopback
from workers import jobs
from workers.queues import QueueNames

pytestmark = pytest.mark.redis
DAYTIME = local(2026, 11, 22, 10, 0)


def work(connection: Redis) -> None:
    """A burst worker on every fieldapp queue, at a daytime clock (quiet hours are tested elsewhere)."""
    with frozen_at(DAYTIME):
        SimpleWorker(QueueNames.all(), connection=connection).work(burst=True)


def statuses() -> list[str]:
    db.session.remove()
    return sorted(m.status for m in db.session.scalars(select(Message)))


def staff_alert(key: str = "alert") -> Message:
    message = queue_sms(
        to="+8613800000001", body="x", kind="escalation", dedupe_key=key, respect_quiet_hours=False
    )
    db.session.commit()
    dispatch_pending()
    return message


def test_a_scan_through_a_real_worker_texts_each_resident_once(
    app: Flask, real_redis: Redis, twilio: TwilioLoopback
) -> None:
    village = create_village()
    residents = [create_resident(village) for _ in range(3)]
    phones = sorted(str(r.phone) for r in residents)
    for resident in residents:
        create_enrollment(resident, date(2026, 11, 24))
    jobs.reminder_scan_job("2026-11-22T10:00:00+08:00")
    assert Queue(QueueNames.SMS, connection=real_redis).count == 3
    work(real_redis)
    assert statuses() == ["sent"] * 3
    assert sorted(m["to"] for m in twilio.state.messages) == phones
    jobs.reminder_scan_job("2026-11-22T10:15:00+08:00")
    work(real_redis)
    assert len(twilio.state.messages) == 3


def test_rq_retries_a_refused_message_until_it_goes(
    app: Flask, real_redis: Redis, twilio: TwilioLoopback
) -> None:
    twilio.state.plan = [Answer(status=429, code=20429), Answer(status=500)]
    message_id = staff_alert().id
    work(real_redis)
    assert statuses() == ["sent"]
    assert twilio.state.attempts == 3
    assert db.session.get(Message, message_id).attempts == 3


def test_five_refusals_through_rq_fail_the_message(
    app: Flask, real_redis: Redis, twilio: TwilioLoopback
) -> None:
    twilio.state.plan = [Answer(status=503)] * 10
    staff_alert()
    work(real_redis)
    assert statuses() == ["failed"]
    assert twilio.state.attempts == 5


def test_a_push_through_a_real_worker(app: Flask, real_redis: Redis, push_service: PushLoopback) -> None:
    user = create_user("township_manager")
    keys = browser_keys()
    endpoint = push_service.endpoint("m", keys)
    db.session.add(PushSubscription(user_id=user.id, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth))
    db.session.commit()
    queue_push(user_id=user.id, title="转诊R-000001", body="b", url="/", urgency="high", dedupe_key="p")
    db.session.commit()
    dispatch_pending()
    assert Queue(QueueNames.PUSH, connection=real_redis).count == 1
    work(real_redis)
    assert [r.payload["title"] for r in push_service.received] == ["转诊R-000001"]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="a worker process needs a real Redis")
def test_flask_worker_burst_in_its_own_process(app: Flask, real_redis: Redis, twilio: TwilioLoopback) -> None:
    staff_alert()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "FIELDAPP_INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": "test-secret",
        "SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+15005550006",
        "TWILIO_API_BASE_URL": twilio.url,
        "FIELDAPP_PUBLIC_URL": PUBLIC_URL,
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "fieldapp", "worker", "--burst"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert statuses() == ["sent"]
    assert len(twilio.state.messages) == 1
