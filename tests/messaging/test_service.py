"""queue_sms / queue_push: one row per dedupe key, suppression, quiet hours, dispatch after commit."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.messaging.clock import frozen_at
from fieldapp.messaging.models import Message, SmsOptOut
from fieldapp.messaging.service import dispatch_pending, queue_sms, release_due, send_message
from fieldapp.timeutil import utcnow
from tests.builders import (
    create_facility,
    create_resident,
    create_user,
    create_village,
    post_emergency_referral,
)
from tests.messaging.fixtures import local
from workers.queues import QueueNames

DAYTIME = local(2026, 11, 22, 10, 0)


def _remind(resident, key: str = "k1", **kwargs):  # type: ignore[no-untyped-def]
    return queue_sms(
        to=resident.phone,
        body="【青山镇卫生院】您的健康随访将于11月25日到期。回复TD退订",
        kind="reminder",
        dedupe_key=key,
        resident_id=resident.id,
        respect_quiet_hours=True,
        now=kwargs.pop("now", DAYTIME),
        **kwargs,
    )


def test_the_same_dedupe_key_gives_the_same_message(app: Flask) -> None:
    resident = create_resident(create_village())
    first = _remind(resident)
    db.session.commit()
    second = _remind(resident)
    db.session.commit()
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    assert first.segments == 1


def test_residents_who_must_not_be_texted_get_a_suppressed_row(app: Flask) -> None:
    village = create_village()
    cases = {
        "no_consent": create_resident(village, sms_consent=False),
        "opted_out": create_resident(village, opted_out=True),
        "invalid_number": create_resident(village, phone_invalid=True),
    }
    for reason, resident in cases.items():
        message = _remind(resident, key=reason)
        assert (message.status, message.suppressed_reason) == ("suppressed", reason)
    db.session.commit()
    dispatch_pending()
    assert {m.status for m in db.session.scalars(select(Message))} == {"suppressed"}


def test_an_opted_out_number_is_never_texted_even_for_staff(app: Flask) -> None:
    db.session.add(SmsOptOut(phone="+8613800000009"))
    db.session.commit()
    message = queue_sms(
        to="+8613800000009", body="x", kind="referral", dedupe_key="s", respect_quiet_hours=False, now=DAYTIME
    )
    assert (message.status, message.suppressed_reason) == ("suppressed", "opted_out")


def test_at_night_resident_messages_wait_but_staff_alerts_do_not(app: Flask) -> None:
    resident = create_resident(create_village())
    night = local(2026, 11, 22, 22, 30)
    held = _remind(resident, now=night)
    alert = queue_sms(
        to="+8613800000001",
        body="x",
        kind="escalation",
        dedupe_key="alert",
        respect_quiet_hours=False,
        now=night,
    )
    db.session.commit()
    with frozen_at(night):
        dispatch_pending()
    assert held.status == "queued"
    assert held.send_after == local(2026, 11, 23, 8, 0)
    assert alert.status == "sent"


def test_held_messages_go_when_the_window_opens(app: Flask) -> None:
    resident = create_resident(create_village())
    held = _remind(resident, now=local(2026, 11, 22, 22, 30))
    db.session.commit()
    assert send_message(held.id, now=local(2026, 11, 23, 7, 59)) == "held"
    release_due(local(2026, 11, 23, 7, 59))
    assert db.session.get(Message, held.id).status == "queued"
    with frozen_at(local(2026, 11, 23, 8, 0)):
        release_due()
    assert db.session.get(Message, held.id).status == "sent"


def test_jobs_are_enqueued_only_after_the_commit(app: Flask, fake_redis: Redis) -> None:
    resident = create_resident(create_village())
    sms_queue = Queue(QueueNames.SMS, connection=fake_redis)
    message = _remind(resident)
    dispatch_pending()
    assert sms_queue.count == 0
    db.session.rollback()
    dispatch_pending()
    assert sms_queue.count == 0
    message = _remind(resident, key="k2")
    db.session.commit()
    assert sms_queue.count == 0
    dispatch_pending()
    assert sms_queue.count == 1
    assert sms_queue.jobs[0].args == (str(message.id),)


def test_outbox_records_instead_of_sending(app: Flask) -> None:
    resident = create_resident(create_village())
    message = _remind(resident)
    db.session.commit()
    with frozen_at(DAYTIME):
        dispatch_pending()
    db.session.refresh(message)
    assert message.status == "sent"
    assert message.provider_sid == f"outbox-{message.id}"


def test_a_job_run_twice_sends_once(app: Flask) -> None:
    resident = create_resident(create_village())
    message = _remind(resident)
    db.session.commit()
    assert send_message(message.id, now=DAYTIME) == "sent"
    sid = db.session.get(Message, message.id).provider_sid
    assert send_message(message.id, now=DAYTIME) == "sent"
    assert db.session.get(Message, message.id).provider_sid == sid
    assert db.session.get(Message, message.id).attempts == 1


def test_a_resident_opted_out_after_queueing_is_not_texted(app: Flask) -> None:
    resident = create_resident(create_village())
    message = _remind(resident)
    db.session.commit()
    resident.opted_out = True
    db.session.commit()
    assert send_message(message.id, now=DAYTIME) == "suppressed"
    assert db.session.get(Message, message.id).suppressed_reason == "opted_out"


def test_redis_down_at_enqueue_time_loses_nothing(app: Flask, client: FlaskClient) -> None:
    """The request succeeds; the row stays queued; the release job sends it later."""
    township_village = create_village()
    facility = create_facility(phone="+8613800000001")
    create_user(Role.REFERRAL_DESK, facility=facility)
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township_village.township)
    resident = create_resident(township_village)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    response = post_emergency_referral(client, doctor, resident, facility)
    assert response.status_code == 201, response.get_json()
    waiting = db.session.scalars(select(Message).where(Message.to == "+8613800000001")).all()
    assert [m.status for m in waiting] == ["queued"]
    app.config["REDIS_URL"] = None
    assert release_due(utcnow()) == 0  # not yet: its own dispatch may still be on the way
    release_due(utcnow() + timedelta(minutes=3))  # staff alerts ignore quiet hours
    db.session.expire_all()
    assert db.session.get(Message, waiting[0].id).status == "sent"
