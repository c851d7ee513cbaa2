"""The message log: delivery rate, numbers to fix, replies to read (and marking them read)."""

from __future__ import annotations

from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.messaging.models import InboundMessage
from tests.builders import create_resident, create_township, create_user, create_village
from tests.console.builders import create_message, create_reply
from tests.console.helpers import post_form, sign_in


def test_manager_sees_delivery_rate_numbers_to_fix_and_replies(client: FlaskClient, app: object) -> None:
    township = create_township()
    village = create_village(township, name="东村")
    good, bad = (
        create_resident(village, name="好号码"),
        create_resident(village, name="错号码", phone_invalid=True),
    )
    stranger = create_resident(
        create_village(create_township(), name="远村"), name="外乡", phone_invalid=True
    )
    for status in ("delivered", "delivered", "delivered", "failed"):
        create_message(good, status=status)
    create_message(bad, status="failed", error_code="21211")
    create_message(good, status="suppressed", suppressed_reason="quiet_hours")
    create_message(stranger, status="failed", body="外乡的短信")
    reply = create_reply(good, body="我下周三来")
    create_reply(stranger, body="外乡的回复")
    opt_out = InboundMessage(from_number=good.phone, body="TD", action="opt_out", resident_id=good.id)
    db.session.add(opt_out)
    db.session.commit()
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    sign_in(client, manager)
    page = client.get("/console/messages").get_data(as_text=True)
    assert '<strong id="delivery-rate">60.0%</strong>' in page  # 3 delivered of 5 answered
    fix = page[page.index('id="numbers-to-fix"') :].split("</ul>")[0]
    assert "错号码" in fix and "好号码" not in fix and "外乡" not in fix
    assert "我下周三来" in page and "外乡的回复" not in page and ">TD<" not in page
    assert "外乡的短信" not in page and "21211" in page
    post_form(client, "/console/messages/replies/read", {"reply_id": [reply.id]})
    db.session.expire_all()
    assert reply.read_at is not None
    assert "我下周三来" not in client.get("/console/messages").get_data(as_text=True)


def test_desk_and_doctors_have_no_message_log(client: FlaskClient, app: object) -> None:
    township = create_township()
    for role in (Role.REFERRAL_DESK, Role.TOWNSHIP_DOCTOR):
        sign_in(client, create_user(role, township=township))
        assert client.get("/console/messages").status_code == 403


def test_no_delivery_rate_without_delivery_reports(client: FlaskClient, app: object) -> None:
    township = create_township()
    resident = create_resident(create_village(township))
    for _n in range(3):
        create_message(resident, status="sent")  # the outbox provider's messages: never reported on
    sign_in(client, create_user(Role.TOWNSHIP_MANAGER, township=township))
    page = client.get("/console/messages").get_data(as_text=True)
    assert '<strong id="delivery-rate">—</strong>' in page and 'id="outbox-note"' in page
