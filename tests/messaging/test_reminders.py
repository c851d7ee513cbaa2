"""The reminder scan: once per enrollment and due date, one SMS a resident a day, held at night, patrols."""

from __future__ import annotations

import json
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.messaging.clock import frozen_at
from fieldapp.messaging.models import EnrollmentNotice, Message, PushDelivery, PushSubscription
from fieldapp.messaging.reminders import push_overdue_digests, scan
from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow
from tests.builders import create_resident, create_township, create_user, create_village
from tests.messaging.builders import browser_keys, create_enrollment
from tests.messaging.fixtures import local
from tests.patrols.builders import create_patrol

MORNING = local(2026, 11, 22, 9, 0)
TODAY = date(2026, 11, 22)


def run_scan(at):  # type: ignore[no-untyped-def]
    with frozen_at(at):
        return scan()


def messages() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).order_by(Message.created_at)))


def test_a_resident_due_in_three_days_is_reminded_once(app: Flask) -> None:
    resident = create_resident(create_village(create_township(name="青山镇")))
    create_enrollment(resident, TODAY + timedelta(days=3))
    create_enrollment(create_resident(create_village()), TODAY + timedelta(days=4))  # not yet
    result = run_scan(MORNING)
    assert (result.reminder, result.overdue) == (1, 0)
    [message] = messages()
    assert (message.to, message.kind, message.status) == (resident.phone, "reminder", "sent")
    assert message.body.startswith("【青山镇卫生院】") and "11月25日" in message.body
    assert run_scan(MORNING + timedelta(minutes=15)).reminder == 0
    assert run_scan(MORNING + timedelta(days=1)).reminder == 1  # the other one's turn
    assert [m.resident_id for m in messages()].count(resident.id) == 1


def test_a_scan_page_is_written_whole(app: Flask) -> None:
    """The scan inserts a page of messages and their notices in one statement (PostgreSQL: unnested
    arrays): every column lands as written, the creation time from the Python default."""
    village = create_village()
    due = {
        create_resident(village, phone=f"+861380000{n:04d}").id: TODAY + timedelta(days=n % 4)
        for n in range(6)
    }
    enrollments = {create_enrollment(db.session.get(Resident, rid), on).id: on for rid, on in due.items()}
    before = utcnow()
    assert run_scan(MORNING).reminder == 6
    written = messages()
    assert sorted(m.resident_id for m in written) == sorted(due)
    assert all(before <= m.created_at <= m.updated_at <= utcnow() for m in written)
    # Sent at once (no Redis here): one attempt each.
    assert {(m.status, m.segments, m.attempts, m.respect_quiet_hours, m.send_after) for m in written} == {
        ("sent", 1, 1, True, None)
    }
    notices = list(db.session.scalars(select(EnrollmentNotice)))
    assert sorted((n.enrollment_id, n.kind, n.due_on) for n in notices) == sorted(
        (enrollment_id, "reminder", on) for enrollment_id, on in enrollments.items()
    )
    assert {n.message_id for n in notices} == {m.id for m in written}


def test_several_enrollments_due_together_give_one_sms(app: Flask) -> None:
    resident = create_resident(create_village())
    create_enrollment(resident, TODAY + timedelta(days=1), condition="hypertension")
    create_enrollment(resident, TODAY - timedelta(days=10), condition="diabetes")
    result = run_scan(MORNING)
    [message] = messages()
    assert (result.reminder, result.overdue, message.kind) == (0, 1, "overdue")
    assert "超过随访日期" in message.body and "过期" not in message.body


def test_overdue_notices_start_a_week_after_the_due_date(app: Flask) -> None:
    six, seven = create_resident(create_village()), create_resident(create_village())
    create_enrollment(six, TODAY - timedelta(days=6))
    create_enrollment(seven, TODAY - timedelta(days=7))
    assert run_scan(MORNING).overdue == 1
    assert [m.resident_id for m in messages()] == [seven.id]


def test_only_consenting_reachable_residents_are_scanned(app: Flask) -> None:
    village = create_village()
    due = TODAY + timedelta(days=1)
    for fields in ({"sms_consent": False}, {"opted_out": True}, {"phone_invalid": True}, {"phone": None}):
        create_enrollment(create_resident(village, **fields), due)
    closed = create_enrollment(create_resident(village), due)
    closed.status = "closed"
    db.session.commit()
    assert run_scan(MORNING).reminder == 0
    assert messages() == []


def test_one_message_a_resident_a_day(app: Flask) -> None:
    resident = create_resident(create_village())
    create_enrollment(resident, TODAY + timedelta(days=3), condition="hypertension")
    run_scan(MORNING)
    create_enrollment(resident, TODAY + timedelta(days=2), condition="diabetes")  # enrolled later today
    assert run_scan(MORNING + timedelta(hours=2)).reminder == 0
    assert run_scan(MORNING + timedelta(days=1)).reminder == 1  # its turn tomorrow
    assert len(messages()) == 2


def test_a_household_phone_gets_one_sms_naming_each_resident_due(app: Flask) -> None:
    phone = "+8613900001111"
    father = create_resident(create_village(create_township(name="青山镇")), name="王建国", phone=phone)
    mother = create_resident(create_village(create_township(name="白水镇")), name="李秀英", phone=phone)
    alone = create_resident(create_village(), name="赵强")
    create_enrollment(father, TODAY + timedelta(days=2), condition="hypertension")
    create_enrollment(mother, TODAY + timedelta(days=1), condition="diabetes")
    create_enrollment(alone, TODAY + timedelta(days=1))
    assert run_scan(MORNING).reminder == 2
    household, single = sorted(messages(), key=lambda m: m.to != phone)
    assert household.to == phone
    assert "王建国、李秀英：" in household.body or "李秀英、王建国：" in household.body
    assert "高血压" not in household.body and "糖尿病" not in household.body
    assert "赵强" not in single.body  # one person's phone: addressed as before
    assert run_scan(MORNING + timedelta(hours=3)).reminder == 0  # neither is told twice
    assert len(messages()) == 2


def test_at_night_the_scan_holds_messages_until_eight(app: Flask) -> None:
    resident = create_resident(create_village())
    create_enrollment(resident, TODAY + timedelta(days=2))
    night = run_scan(local(2026, 11, 22, 23, 0))
    assert (night.reminder, night.held) == (1, 1)
    [held] = messages()
    assert (held.status, held.send_after) == ("queued", local(2026, 11, 23, 8, 0))
    assert run_scan(local(2026, 11, 23, 7, 45)).released == 0
    assert messages()[0].status == "queued"
    morning = run_scan(local(2026, 11, 23, 8, 0))
    assert (morning.released, morning.reminder) == (1, 0)
    assert [m.status for m in messages()] == ["sent"]


def test_patrol_notice_the_day_before_to_enrolled_consenting_villagers(app: Flask) -> None:
    village, elsewhere = create_village(name="东村"), create_village()
    enrolled = create_resident(village)
    create_enrollment(enrolled, TODAY + timedelta(days=60))
    create_resident(village)  # not enrolled
    create_enrollment(create_resident(village, sms_consent=False), TODAY + timedelta(days=60))
    create_enrollment(create_resident(elsewhere), TODAY + timedelta(days=60))
    create_patrol(village, on=TODAY + timedelta(days=1))
    create_patrol(village, on=TODAY + timedelta(days=2))
    assert run_scan(local(2026, 11, 21, 9, 0)).patrol == 0  # two days before
    assert run_scan(MORNING).patrol == 1
    assert run_scan(MORNING + timedelta(hours=3)).patrol == 0
    [notice] = messages()
    assert (notice.resident_id, notice.kind) == (enrolled.id, "patrol")
    assert "东村" in notice.body and "11月23日" in notice.body


def test_a_household_phone_gets_one_patrol_notice(app: Flask) -> None:
    village = create_village(name="东村")
    for name in ("王建国", "李秀英"):
        create_enrollment(
            create_resident(village, name=name, phone="+8613900002222"), TODAY + timedelta(days=60)
        )
    create_patrol(village, on=TODAY + timedelta(days=1))
    assert run_scan(MORNING).patrol == 1
    assert [m.to for m in messages()] == ["+8613900002222"]


def test_the_cli_scans_at_the_given_time(app: Flask, runner: FlaskCliRunner) -> None:
    create_enrollment(create_resident(create_village()), date(2026, 12, 1))
    result = runner.invoke(args=["reminders", "scan", "--at", "2026-11-28T09:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["reminder"] == 1
    assert [m.status for m in messages()] == ["sent"]
    bad = runner.invoke(args=["reminders", "scan", "--at", "next tuesday"])
    assert bad.exit_code != 0


def test_doctors_get_a_daily_digest_of_what_fell_overdue(app: Flask, push_service) -> None:  # type: ignore[no-untyped-def]
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    keys = browser_keys()
    endpoint = push_service.endpoint("doctor", keys)
    db.session.add(PushSubscription(user_id=doctor.id, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth))
    db.session.commit()
    for _ in range(2):
        create_enrollment(create_resident(village), TODAY - timedelta(days=1))
    create_enrollment(create_resident(village), TODAY - timedelta(days=2))  # fell overdue yesterday
    with frozen_at(local(2026, 11, 22, 7, 0)):
        assert push_overdue_digests() == 0
    with frozen_at(MORNING):
        assert push_overdue_digests() == 1
        from fieldapp.messaging.service import dispatch_pending

        dispatch_pending()
        push_overdue_digests()
        dispatch_pending()
    [received] = push_service.received
    assert "2" in received.payload["body"]
    assert received.payload["url"] == "/field/#/queue?status=overdue"
    assert len(db.session.scalars(select(PushDelivery)).all()) == 1
