"""The referral desk (countdown data, accept, decline, complete) and a township's referral list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.referrals.models import Referral
from fieldapp.timeutil import isoformat_local, local_today, utcnow
from tests.builders import create_facility, create_resident, create_township, create_user, create_village
from tests.console.builders import create_enrollment, create_referral_row
from tests.console.helpers import post_form, sign_in


@pytest.fixture
def desk_world(app: object) -> dict[str, object]:
    hospital, other_hospital = create_facility(name="县人民医院"), create_facility(name="县中医院")
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    resident = create_resident(village, name="黄敏")
    create_enrollment(resident)
    now = utcnow()
    routine = create_referral_row(
        resident, hospital.id, "routine", created_at=now - timedelta(hours=30), escalation_level=1
    )
    emergency = create_referral_row(resident, hospital.id, "emergency", created_at=now - timedelta(minutes=5))
    elsewhere = create_referral_row(create_resident(village, name="别院病人"), other_hospital.id, "urgent")
    return {
        "hospital": hospital,
        "township": township,
        "resident": resident,
        "routine": routine,
        "emergency": emergency,
        "elsewhere": elsewhere,
        "desk": create_user(Role.REFERRAL_DESK, facility=hospital),
        "manager": create_user(Role.TOWNSHIP_MANAGER, township=township),
    }


def test_desk_lists_its_pending_referrals_emergency_first_with_deadlines(
    client: FlaskClient, desk_world: dict
) -> None:
    sign_in(client, desk_world["desk"])
    page = client.get("/console/desk").get_data(as_text=True)
    emergency: Referral = desk_world["emergency"]
    assert page.index(emergency.reference) < page.index(desk_world["routine"].reference)
    assert f'data-deadline="{isoformat_local(emergency.ack_deadline)}"' in page
    assert "黄敏" in page and "别院病人" not in page and desk_world["elsewhere"].reference not in page
    assert 'src="/static/console/desk.js"' in page and "<script>" not in page
    routine_card = page[page.index(f'id="referral-{desk_world["routine"].id}"') :].split("</article>")[0]
    assert "Escalation level 1" in routine_card


def test_desk_accepts_then_completes_an_emergency(client: FlaskClient, desk_world: dict) -> None:
    sign_in(client, desk_world["desk"])
    emergency: Referral = desk_world["emergency"]
    appointment = f"{local_today() + timedelta(days=1)}T09:30"
    response = post_form(
        client, f"/console/desk/{emergency.id}/accept", {"appointment_at": appointment, "note": "急诊科"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert emergency.status == "accepted"
    assert isoformat_local(emergency.appointment_at).startswith(appointment)
    post_form(client, f"/console/desk/{emergency.id}/complete", {"outcome": "血压控制，转回乡镇随访"})
    db.session.expire_all()
    assert emergency.status == "completed" and emergency.outcome == "血压控制，转回乡镇随访"


def test_desk_declines_with_a_reason_and_a_second_decision_is_refused(
    client: FlaskClient, desk_world: dict
) -> None:
    sign_in(client, desk_world["desk"])
    routine: Referral = desk_world["routine"]
    post_form(client, f"/console/desk/{routine.id}/decline", {"reason": "无床位，请转市医院"})
    db.session.expire_all()
    assert (routine.status, routine.decline_reason) == ("declined", "无床位，请转市医院")
    page = post_form(
        client,
        f"/console/desk/{routine.id}/accept",
        {"appointment_at": "2026-12-01T09:00"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "declined" in page
    db.session.expire_all()
    assert routine.status == "declined"


def test_desk_cannot_touch_another_facilitys_referral(client: FlaskClient, desk_world: dict) -> None:
    sign_in(client, desk_world["desk"])
    elsewhere: Referral = desk_world["elsewhere"]
    assert post_form(client, f"/console/desk/{elsewhere.id}/decline", {"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert elsewhere.status == "pending"


def test_other_roles_cannot_open_the_desk(client: FlaskClient, desk_world: dict) -> None:
    sign_in(client, desk_world["manager"])
    assert client.get("/console/desk").status_code == 403
    emergency: Referral = desk_world["emergency"]
    assert post_form(client, f"/console/desk/{emergency.id}/accept", {}).status_code == 403


def test_manager_sees_the_townships_referrals_by_status(client: FlaskClient, desk_world: dict) -> None:
    sign_in(client, desk_world["manager"])
    page = client.get("/console/referrals").get_data(as_text=True)
    for referral in ("routine", "emergency", "elsewhere"):
        assert desk_world[referral].reference in page
    pending_only = client.get("/console/referrals?status=accepted").get_data(as_text=True)
    assert desk_world["emergency"].reference not in pending_only
    sign_in(client, desk_world["desk"])
    assert client.get("/console/referrals").status_code == 403


def test_the_townships_referrals_show_each_pending_deadline_with_a_countdown(
    client: FlaskClient, desk_world: dict
) -> None:
    sign_in(client, desk_world["manager"], lang="zh")
    page = client.get("/console/referrals").get_data(as_text=True)
    emergency: Referral = desk_world["emergency"]
    assert f'data-deadline="{isoformat_local(emergency.ack_deadline)}"' in page
    assert 'src="/static/console/desk.js"' in page and "data-now=" in page
    assert "急诊（15分钟内接收）" in page and "紧急" not in page


def test_an_emergency_is_accepted_without_an_appointment_and_a_decline_needs_a_reason(
    client: FlaskClient, desk_world: dict
) -> None:
    sign_in(client, desk_world["desk"], lang="zh")
    emergency: Referral = desk_world["emergency"]
    card = client.get("/console/desk").get_data(as_text=True)
    card = card[card.index(f'id="referral-{emergency.id}"') :].split("</article>")[0]
    assert "立即接收" in card and card.index("立即接收") < card.index('name="reason"')
    refused = post_form(
        client, f"/console/desk/{desk_world['routine'].id}/decline", {}, follow_redirects=True
    )
    assert "原因：必须填写" in refused.get_data(as_text=True)
    assert post_form(client, f"/console/desk/{emergency.id}/accept").status_code == 302
    db.session.expire_all()
    assert emergency.status == "accepted" and emergency.appointment_at is None


def test_the_service_worker_is_served_for_the_console_scope(client: FlaskClient) -> None:
    response = client.get("/console/sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/console/"
    assert b"showNotification" in response.data
