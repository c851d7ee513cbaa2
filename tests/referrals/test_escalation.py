"""The escalation ladder: level 1 at the deadline, level 2 at twice the window, each once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.messaging.models import Message, PushDelivery
from fieldapp.referrals import service
from fieldapp.referrals.models import Referral, ReferralEscalation
from tests.builders import create_user
from tests.referrals.builders import County, create_county, refer, subscribe

# 10:00 in Shanghai: inside the SMS window, so nothing here depends on quiet hours.
CREATED = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
WINDOWS = {"emergency": timedelta(minutes=15), "urgent": timedelta(hours=2), "routine": timedelta(hours=24)}


@pytest.fixture
def county(app: Any) -> County:
    return create_county()


def escalations(referral: Referral) -> list[tuple[int, datetime]]:
    rows = db.session.scalars(
        select(ReferralEscalation)
        .where(ReferralEscalation.referral_id == referral.id)
        .order_by(ReferralEscalation.level)
    )
    return [(row.level, row.at) for row in rows]


def sms_to(referral: Referral, kind: str = "escalation") -> list[str]:
    rows = db.session.scalars(
        select(Message.to).where(Message.referral_id == referral.id, Message.kind == kind)
    )
    return sorted(str(to) for to in rows)


def pushes(referral: Referral, event: str) -> list[PushDelivery]:
    return list(
        db.session.scalars(
            select(PushDelivery).where(PushDelivery.dedupe_key.like(f"referral:{referral.id}:{event}%"))
        )
    )


@pytest.mark.parametrize(("urgency", "window"), WINDOWS.items())
def test_level_one_at_exactly_the_deadline(county: County, urgency: str, window: timedelta) -> None:
    referral = refer(county, urgency=urgency, now=CREATED)
    assert service.escalate_due_referrals(CREATED + window - SECOND) == 0
    assert escalations(referral) == []
    assert service.escalate_due_referrals(CREATED + window) == 1
    assert escalations(referral) == [(1, CREATED + window)]
    assert service.escalate_due_referrals(CREATED + window + SECOND) == 0
    db.session.refresh(referral)
    assert referral.escalation_level == 1


@pytest.mark.parametrize(("urgency", "window"), WINDOWS.items())
def test_level_two_at_twice_the_window(county: County, urgency: str, window: timedelta) -> None:
    referral = refer(county, urgency=urgency, now=CREATED)
    service.escalate_due_referrals(CREATED + window)
    assert service.escalate_due_referrals(CREATED + 2 * window - SECOND) == 0
    assert service.escalate_due_referrals(CREATED + 2 * window) == 1
    assert service.escalate_due_referrals(CREATED + 2 * window + SECOND) == 0
    assert [level for level, _at in escalations(referral)] == [1, 2]
    db.session.refresh(referral)
    assert referral.escalation_level == 2


def test_a_late_check_records_both_levels_in_order(county: County) -> None:
    referral = refer(county, urgency="urgent", now=CREATED)
    late = CREATED + timedelta(hours=9)
    assert service.escalate_due_referrals(late) == 2
    assert escalations(referral) == [(1, late), (2, late)]
    assert county.manager.phone in sms_to(referral)
    assert county.admin.phone in sms_to(referral)


def test_repeated_runs_record_and_send_nothing_twice(county: County) -> None:
    referral = refer(county, now=CREATED)
    for minute in (15, 15, 16, 30, 30, 45, 600):
        service.escalate_due_referrals(CREATED + timedelta(minutes=minute))
    assert [level for level, _at in escalations(referral)] == [1, 2]
    texts = sms_to(referral)
    assert len(texts) == len(set(texts))
    keys = [push.dedupe_key for push in pushes(referral, "escalated")]
    assert len(keys) == len(set(keys))


def test_a_level_recorded_by_another_run_is_not_announced_again(county: County) -> None:
    """Two checks racing: the one whose insert loses to the unique key tells nobody."""
    referral = refer(county, now=CREATED)
    db.session.add(ReferralEscalation(referral_id=referral.id, level=1, at=CREATED, notified=[]))
    db.session.commit()
    assert service.escalate_due_referrals(CREATED + timedelta(minutes=20)) == 0
    assert sms_to(referral) == []
    db.session.refresh(referral)
    assert referral.escalation_level == 1
    assert service.escalate_due_referrals(CREATED + timedelta(minutes=20)) == 0


@pytest.mark.parametrize("transition", ["accept", "decline", "cancel"])
def test_a_referral_that_is_not_pending_escalates_no_further(county: County, transition: str) -> None:
    referral = refer(county, now=CREATED)
    service.escalate_due_referrals(CREATED + timedelta(minutes=15))
    actor = county.doctor if transition == "cancel" else county.desk
    change = getattr(service, f"{transition}_referral")
    change(
        actor,
        referral.id,
        {"reason": "x"} if transition != "accept" else {},
        now=CREATED + timedelta(minutes=20),
    )
    assert service.escalate_due_referrals(CREATED + timedelta(hours=5)) == 0
    assert [level for level, _at in escalations(referral)] == [1]


def test_level_one_tells_the_desk_the_facility_and_the_township_managers(county: County) -> None:
    second_desk = create_user(Role.REFERRAL_DESK, facility=county.facility)
    subscribe(second_desk)
    inactive_manager = create_user(Role.TOWNSHIP_MANAGER, township=county.township, phone="+8613711112222")
    inactive_manager.active = False
    db.session.commit()
    referral = refer(county, now=CREATED)
    service.escalate_due_referrals(CREATED + timedelta(minutes=15))
    [level_one] = db.session.scalars(
        select(ReferralEscalation).where(ReferralEscalation.referral_id == referral.id)
    )
    told = {(entry["channel"], entry["to"]) for entry in level_one.notified}
    assert told >= {
        ("sms", county.facility.phone),
        ("sms", county.desk.phone),
        ("push", str(county.desk.id)),
        ("sms", county.manager.phone),
        ("push", str(county.manager.id)),
    }
    assert ("sms", inactive_manager.phone) not in told
    for outsider in (county.other_manager, county.other_desk, county.admin):
        assert ("sms", outsider.phone) not in told
        assert ("push", str(outsider.id)) not in told
    assert sorted(to for channel, to in told if channel == "sms") == sms_to(referral)
    assert ("push", str(second_desk.id)) in told


def test_level_two_tells_the_county_admins(county: County) -> None:
    referral = refer(county, now=CREATED)
    service.escalate_due_referrals(CREATED + timedelta(minutes=15))
    service.escalate_due_referrals(CREATED + timedelta(minutes=30))
    level_two = db.session.scalar(
        select(ReferralEscalation).where(
            ReferralEscalation.referral_id == referral.id, ReferralEscalation.level == 2
        )
    )
    assert level_two is not None
    assert {(entry["channel"], entry["to"]) for entry in level_two.notified} == {
        ("sms", county.admin.phone),
        ("push", str(county.admin.id)),
    }


def test_escalations_appear_on_the_referral(client: Any, county: County) -> None:
    from tests.builders import api

    referral = refer(county, now=CREATED)
    service.escalate_due_referrals(CREATED + timedelta(minutes=31))
    answer = api(client, "get", f"/api/v1/referrals/{referral.id}", county.manager).json
    assert answer["escalation_level"] == 2
    assert [entry["level"] for entry in answer["escalations"]] == [1, 2]
    assert answer["escalations"][0]["at"] == "2026-11-22T10:31:00+08:00"
    notified = answer["escalations"][1]["notified"]
    assert {"channel": "sms", "to": county.admin.phone} in notified
    assert {"channel": "push", "to": str(county.admin.id)} in notified


def test_staff_alerts_go_out_at_night(county: County) -> None:
    night = datetime(2026, 11, 21, 19, 0, tzinfo=UTC)  # 03:00 in Shanghai
    referral = refer(county, now=night)
    service.escalate_due_referrals(night + timedelta(minutes=15))
    staff = list(db.session.scalars(select(Message).where(Message.referral_id == referral.id)))
    assert staff
    assert all(message.send_after is None and message.status != "suppressed" for message in staff)


def test_many_due_referrals_in_one_run(county: County) -> None:
    referrals = [refer(county, now=CREATED + timedelta(seconds=i)) for i in range(5)]
    assert service.escalate_due_referrals(CREATED + timedelta(hours=1)) == 10
    for referral in referrals:
        assert [level for level, _at in escalations(referral)] == [1, 2]


def test_acceptance_emergency_nobody_accepts(county: County) -> None:
    """An emergency nobody accepts reaches the township manager after 15 minutes and the county after 30, once each."""
    referral = refer(county, urgency="emergency", now=CREATED)
    for minute in range(0, 61):
        service.escalate_due_referrals(CREATED + timedelta(minutes=minute))
        told = sms_to(referral)
        manager_told = told.count(str(county.manager.phone))
        admin_told = told.count(str(county.admin.phone))
        assert manager_told == (1 if minute >= 15 else 0), minute
        assert admin_told == (1 if minute >= 30 else 0), minute
    manager_pushes = [p for p in pushes(referral, "escalated") if p.user_id == county.manager.id]
    admin_pushes = [p for p in pushes(referral, "escalated") if p.user_id == county.admin.id]
    assert (len(manager_pushes), len(admin_pushes)) == (1, 1)
    assert all(p.urgency == "high" for p in manager_pushes + admin_pushes)
    assert escalations(referral) == [
        (1, CREATED + timedelta(minutes=15)),
        (2, CREATED + timedelta(minutes=30)),
    ]


def test_acceptance_through_the_cli(runner: Any, county: County) -> None:
    """The same scenario driven from outside: ``flask referrals escalate --at``."""
    referral = refer(county, urgency="emergency", now=CREATED)

    def escalate(minutes: float) -> str:
        at = (CREATED + timedelta(minutes=minutes)).isoformat()
        result = runner.invoke(args=["referrals", "escalate", "--at", at])
        assert result.exit_code == 0, result.output
        return str(result.output.strip())

    def told() -> tuple[int, int]:
        db.session.expire_all()
        texts = sms_to(referral)
        return texts.count(str(county.manager.phone)), texts.count(str(county.admin.phone))

    assert escalate(14.99) == "0"
    assert told() == (0, 0)
    assert escalate(15) == "1"
    assert told() == (1, 0)
    assert escalate(15) == "0"
    assert escalate(29.99) == "0"
    assert told() == (1, 0)
    assert escalate(30) == "1"
    assert escalate(45) == "0"
    assert told() == (1, 1)


def test_concurrent_checks_record_each_level_once(app: Any, county: County) -> None:
    """Two checks at the same instant, each in its own session: every level once, every SMS once."""
    from concurrent.futures import ThreadPoolExecutor

    referrals = [refer(county, now=CREATED + timedelta(seconds=i)) for i in range(4)]
    now = CREATED + timedelta(hours=1)

    def check() -> int:
        with app.app_context():
            return service.escalate_due_referrals(now)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [future.result() for future in [pool.submit(check), pool.submit(check)]]
    assert sum(results) == 8
    db.session.expire_all()
    for referral in referrals:
        assert [level for level, _at in escalations(referral)] == [1, 2]
        texts = sms_to(referral)
        assert len(texts) == len(set(texts))


def test_the_cli_at_the_shown_deadline_escalates(client: Any, runner: Any, county: County) -> None:
    """A referral made over HTTP escalates when the check runs at exactly the ack_deadline it shows."""
    from tests.builders import api

    body = {
        "resident_id": str(county.resident.id),
        "facility_id": str(county.facility.id),
        "urgency": "emergency",
        "reason": "血压控制不佳",
    }
    deadline = api(client, "post", "/api/v1/referrals", county.doctor, json=body).json["ack_deadline"]
    result = runner.invoke(args=["referrals", "escalate", "--at", deadline])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1"
