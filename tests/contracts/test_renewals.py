"""The renewal SMS: 30 days before the end, once per contract, in the send window, with consent."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from fieldapp.contracts.renewals import scan_renewals
from fieldapp.extensions import db
from fieldapp.messaging.clock import frozen_at
from fieldapp.messaging.models import Message
from tests.builders import create_resident, create_township, create_village
from tests.contracts.builders import create_contract, create_team, days
from tests.messaging.fixtures import local

TODAY = date(2026, 11, 22)
MORNING = local(2026, 11, 22, 9, 0)
NIGHT = local(2026, 11, 22, 22, 30)


def run(at):  # type: ignore[no-untyped-def]
    with frozen_at(at):
        return scan_renewals()


def renewal_messages() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.kind == "contract_renewal")))


def test_one_invitation_30_days_before_the_end_and_never_again(app: Flask) -> None:
    township = create_township(name="青山镇")
    village = create_village(township)
    team = create_team(township)
    due = create_resident(village)
    contract = create_contract(due, team, TODAY - days(335), TODAY + days(30))
    later = create_contract(create_resident(village), team, TODAY - days(300), TODAY + days(31))
    assert run(MORNING) == 1  # the later one's end is 31 days away: not yet
    assert run(MORNING) == 0
    assert run(local(2026, 11, 23, 9, 0)) == 1  # the next day: the later one only
    assert run(local(2026, 11, 24, 9, 0)) == 0
    assert sorted(m.dedupe_key for m in renewal_messages()) == sorted(
        f"contract_renewal:{c.id}" for c in (contract, later)
    )
    (message,) = [m for m in renewal_messages() if m.resident_id == due.id]
    assert message.resident_id == due.id and message.to == due.phone
    assert message.dedupe_key == f"contract_renewal:{contract.id}"
    assert message.status == "sent"
    assert "家庭医生签约" in message.body and message.body.startswith("【青山镇卫生院】")
    assert "回复TD退订" in message.body


def test_held_at_night_until_the_window_opens(app: Flask) -> None:
    township = create_township()
    village = create_village(township)
    create_contract(create_resident(village), create_team(township), TODAY - days(340), TODAY + days(25))
    assert run(NIGHT) == 1
    (message,) = renewal_messages()
    assert message.status == "queued"
    assert message.send_after == local(2026, 11, 23, 8, 0)
    assert run(NIGHT) == 0


def test_no_consent_opted_out_terminated_or_renewed_get_nothing(app: Flask) -> None:
    township = create_township()
    village = create_village(township)
    team = create_team(township)
    end = TODAY + days(20)
    create_contract(create_resident(village, sms_consent=False), team, TODAY - days(345), end)
    create_contract(create_resident(village, opted_out=True), team, TODAY - days(345), end)
    create_contract(create_resident(village, phone=None), team, TODAY - days(345), end)
    create_contract(create_resident(village), team, TODAY - days(345), end, terminated_on=TODAY - days(1))
    renewed = create_resident(village)
    old = create_contract(renewed, team, TODAY - days(345), end)
    create_contract(renewed, team, end + days(1), signed_on=TODAY, renews=old)
    assert run(MORNING) == 0
    assert renewal_messages() == []
