"""Township manager pages: residents, a resident's page, patrols, doctors' villages; area checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.org.models import Township, Village
from fieldapp.patrols.models import Patrol
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today
from tests.builders import create_facility, create_resident, create_township, create_user, create_village
from tests.console.builders import (
    create_enrollment,
    create_followup,
    create_message,
    create_referral_row,
    create_reply,
)
from tests.console.helpers import post_form, sign_in


@pytest.fixture
def area(app: object) -> dict[str, object]:
    """Two townships; the manager's has two villages, a doctor and a resident with history."""
    home = create_township(name="青山镇")
    east, west = create_village(home, name="东村"), create_village(home, name="西村")
    other = create_township(name="河口乡")
    far = create_village(other, name="远村")
    manager = create_user(Role.TOWNSHIP_MANAGER, username="mgr", township=home)
    doctor = create_user(Role.VILLAGE_DOCTOR, username="doc", township=home, villages=[east])
    resident = create_resident(east, name="陈静")
    stranger = create_resident(far, name="外乡人")
    return {
        "home": home,
        "east": east,
        "west": west,
        "other": other,
        "far": far,
        "manager": manager,
        "doctor": doctor,
        "resident": resident,
        "stranger": stranger,
    }


def test_manager_searches_residents_of_the_township_only(client: FlaskClient, area: dict) -> None:
    sign_in(client, area["manager"])
    page = client.get("/console/residents").get_data(as_text=True)
    assert "陈静" in page and "外乡人" not in page
    assert "陈静" not in client.get("/console/residents?q=外乡").get_data(as_text=True)


def test_resident_page_shows_history_messages_and_referrals_and_is_audited(
    client: FlaskClient, area: dict
) -> None:
    resident: Resident = area["resident"]
    enrollment = create_enrollment(resident)
    create_followup(
        enrollment, datetime(2026, 10, 2, 2, 0, tzinfo=UTC), sbp=168, dbp=96, classification="uncontrolled"
    )
    create_referral_row(resident, create_facility().id, urgency="urgent")
    create_message(resident, body="随访提醒：请于12月1日前到村卫生室。回复TD退订")
    create_reply(resident, body="我在外地打工")
    sign_in(client, area["manager"])
    page = client.get(f"/console/residents/{resident.id}").get_data(as_text=True)
    for expected in (
        "168/96",
        "Uncontrolled",
        "R-000001",
        "Urgent",
        "随访提醒",
        "我在外地打工",
        "Hypertension",
    ):
        assert expected in page, expected
    entry = db.session.query(AuditEntry).one()
    assert (entry.user_id, entry.action, entry.entity_id) == (area["manager"].id, "read", resident.id)


def test_a_resident_outside_the_township_is_a_404_page(client: FlaskClient, area: dict) -> None:
    sign_in(client, area["manager"])
    response = client.get(f"/console/residents/{area['stranger'].id}")
    assert response.status_code == 404
    assert "外乡人" not in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_desk_sees_only_residents_referred_to_it_and_not_their_sms(client: FlaskClient, area: dict) -> None:
    facility = create_facility()
    desk = create_user(Role.REFERRAL_DESK, facility=facility)
    create_referral_row(area["resident"], facility.id)
    create_message(area["resident"], body="随访提醒短信")
    sign_in(client, desk)
    page = client.get(f"/console/residents/{area['resident'].id}").get_data(as_text=True)
    assert "陈静" in page and "随访提醒短信" not in page
    assert client.get(f"/console/residents/{area['stranger'].id}").status_code == 404
    assert client.get("/console/residents").status_code == 403


def test_manager_plans_a_patrol_and_sees_it_listed(client: FlaskClient, area: dict) -> None:
    sign_in(client, area["manager"])
    day = local_today() + timedelta(days=3)
    response = post_form(
        client,
        "/console/patrols",
        {
            "village_id": area["west"].id,
            "date": day.isoformat(),
            "team": [area["doctor"].id],
            "note": "带血糖仪",
        },
    )
    assert response.status_code == 302
    patrol = db.session.query(Patrol).one()
    assert (patrol.village_id, patrol.date, patrol.team) == (area["west"].id, day, [str(area["doctor"].id)])
    page = client.get("/console/patrols").get_data(as_text=True)
    assert "带血糖仪" in page and "西村" in page and area["doctor"].username in page


def test_manager_stations_staff_changes_and_cancels_and_sees_the_month(
    client: FlaskClient, area: dict
) -> None:
    sign_in(client, area["manager"], lang="zh")
    first = local_today() + timedelta(days=2)
    last = first + timedelta(days=4)
    post_form(
        client,
        "/console/patrols",
        {
            "kind": "stationing",
            "village_id": area["east"].id,
            "date": first.isoformat(),
            "until": last.isoformat(),
            "team": [area["doctor"].id],
        },
    )
    post_form(  # a past patrol, listed apart
        client,
        "/console/patrols",
        {"village_id": area["west"].id, "date": local_today().isoformat(), "team": [area["doctor"].id]},
    )
    stationing = db.session.query(Patrol).filter_by(kind="stationing").one()
    assert (stationing.date, stationing.until) == (first, last)
    page = client.get(f"/console/patrols?month={first:%Y-%m}").get_data(as_text=True)
    calendar = page[page.index('id="patrol-calendar"') : page.index('id="patrol-list"')]
    east_row = calendar[calendar.index("东村") :].split("</tr>")[0]
    in_month = [
        first + timedelta(days=n) for n in range(5) if (first + timedelta(days=n)).month == first.month
    ]
    assert east_row.count('class="day stationing"') == len(in_month)
    assert "驻村服务" in page and "修改或取消" in page

    moved = first + timedelta(days=7)
    changed = post_form(
        client,
        f"/console/patrols/{stationing.id}",
        {
            "date": moved.isoformat(),
            "until": (moved + timedelta(days=2)).isoformat(),
            "team": [area["doctor"].id],
        },
        follow_redirects=True,
    )
    assert "已修改" in changed.get_data(as_text=True)
    db.session.expire_all()
    assert (stationing.date, stationing.until) == (moved, moved + timedelta(days=2))
    refused = post_form(client, f"/console/patrols/{stationing.id}/cancel", {}, follow_redirects=True)
    assert db.session.get(Patrol, stationing.id).status == "planned"
    assert 'class="flash error"' in refused.get_data(as_text=True)
    post_form(client, f"/console/patrols/{stationing.id}/cancel", {"reason": "道路中断"})
    db.session.expire_all()
    assert db.session.get(Patrol, stationing.id).status == "cancelled"
    detail = client.get(f"/console/patrols/{stationing.id}").get_data(as_text=True)
    assert "道路中断" in detail and 'id="cancel-patrol"' not in detail


def test_another_townships_patrol_is_a_404(client: FlaskClient, area: dict) -> None:
    theirs = Patrol(
        village_id=area["far"].id,
        township_id=area["other"].id,
        date=local_today() + timedelta(days=5),
        team=[],
    )
    db.session.add(theirs)
    db.session.commit()
    sign_in(client, area["manager"])
    assert client.get(f"/console/patrols/{theirs.id}").status_code == 404
    assert post_form(client, f"/console/patrols/{theirs.id}/cancel", {"reason": "x"}).status_code == 404
    assert post_form(client, f"/console/patrols/{theirs.id}", {"note": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Patrol, theirs.id).status == "planned"


def test_a_patrol_to_another_townships_village_is_refused(client: FlaskClient, area: dict) -> None:
    sign_in(client, area["manager"])
    response = post_form(
        client,
        "/console/patrols",
        {"village_id": area["far"].id, "date": local_today().isoformat(), "team": [area["doctor"].id]},
        follow_redirects=True,
    )
    assert "no such village in your area" in response.get_data(as_text=True)
    assert db.session.query(Patrol).count() == 0


def test_manager_assigns_villages_to_a_doctor(client: FlaskClient, area: dict) -> None:
    sign_in(client, area["manager"])
    doctor: User = area["doctor"]
    assert "东村" in client.get("/console/doctors").get_data(as_text=True)
    post_form(
        client, f"/console/doctors/{doctor.id}/villages", {"village_ids": [area["east"].id, area["west"].id]}
    )
    db.session.expire_all()
    assert set(doctor.village_ids) == {area["east"].id, area["west"].id}


def test_manager_may_not_give_a_doctor_another_townships_village(client: FlaskClient, area: dict) -> None:
    sign_in(client, area["manager"])
    doctor: User = area["doctor"]
    post_form(client, f"/console/doctors/{doctor.id}/villages", {"village_ids": [area["far"].id]})
    db.session.expire_all()
    assert doctor.village_ids == [area["east"].id]


def test_manager_may_not_reach_another_townships_doctor(client: FlaskClient, area: dict) -> None:
    outsider = create_user(Role.VILLAGE_DOCTOR, township=area["other"], villages=[area["far"]])
    sign_in(client, area["manager"])
    response = post_form(client, f"/console/doctors/{outsider.id}/villages", {"village_ids": []})
    assert response.status_code == 404


def test_admin_sees_a_chosen_townships_patrol_page_but_cannot_plan(client: FlaskClient, area: dict) -> None:
    admin = create_user(Role.COUNTY_ADMIN)
    sign_in(client, admin)
    other: Township = area["other"]
    page = client.get(f"/console/patrols?township_id={other.id}").get_data(as_text=True)
    assert "河口乡" in page and 'id="plan-patrol"' not in page
    assert client.get("/console/patrols?township_id=00000000-0000-0000-0000-000000000000").status_code == 404
    assert post_form(client, "/console/patrols", {}).status_code == 403


def test_field_roles_cannot_use_the_console(client: FlaskClient, area: dict) -> None:
    sign_in(client, area["doctor"])
    assert client.get("/console/residents").status_code == 403
    assert client.get("/console/").status_code == 403


def test_villages_are_only_those_of_the_township(client: FlaskClient, area: dict) -> None:
    sign_in(client, area["manager"])
    page = client.get("/console/patrols").get_data(as_text=True)
    far: Village = area["far"]
    assert str(far.id) not in page


def test_a_manager_closes_an_enrollment_with_the_v2_reasons_and_a_death_needs_its_date_and_cause(
    client: FlaskClient,
) -> None:
    from fieldapp.followups.models import Enrollment

    township = create_township()
    village = create_village(township)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    resident = create_resident(village, name="周大爷")
    hypertension = create_enrollment(resident, condition="hypertension")
    diabetes = create_enrollment(resident, condition="diabetes")
    sign_in(client, manager, "zh")
    page = client.get(f"/console/residents/{resident.id}").get_data(as_text=True)
    form = page[page.index(f'id="close-{hypertension.id}"') :]
    form = form[: form.index("</form>")]
    offered = ("迁出", "死亡", "拒绝管理", "失访", "排除诊断", "其他")
    assert all(f">{label}</option>" in form for label in offered)
    assert "治愈" not in form  # DOMAIN.md v2: hypertension and diabetes are not cured
    assert "死亡日期" in form and "死亡原因" in form

    path = f"/console/enrollments/{hypertension.id}/close"
    today = local_today().isoformat()
    no_cause = post_form(
        client, path, {"_resident_id": str(resident.id), "reason": "died", "closed_on": today}
    )
    assert no_cause.status_code == 302
    flashed = client.get(f"/console/residents/{resident.id}").get_data(as_text=True)
    assert "死亡日期：必须填写" in flashed and "死亡原因：必须填写" in flashed
    cured = post_form(client, path, {"_resident_id": str(resident.id), "reason": "cured", "closed_on": today})
    assert cured.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrollment, hypertension.id).status == "active"

    died = {"reason": "died", "closed_on": today, "death_on": today, "death_cause": "脑出血"}
    post_form(client, path, {"_resident_id": str(resident.id), **died})
    post_form(
        client,
        f"/console/enrollments/{diabetes.id}/close",
        {"_resident_id": str(resident.id), "reason": "lost", "closed_on": today, "note": "电话三次未接"},
    )
    db.session.expire_all()
    closed = db.session.get(Enrollment, hypertension.id)
    assert (closed.status, closed.close_reason, closed.death_cause) == ("closed", "died", "脑出血")
    assert str(closed.death_on) == today
    lost = db.session.get(Enrollment, diabetes.id)
    assert (lost.close_reason, lost.close_note) == ("lost", "电话三次未接")
    page = client.get(f"/console/residents/{resident.id}").get_data(as_text=True)
    assert "脑出血" in page and "close-" not in page  # nothing left to close


def test_only_a_township_manager_closes_from_the_console(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    resident = create_resident(village)
    enrollment = create_enrollment(resident, condition="hypertension")
    sign_in(client, create_user(Role.COUNTY_ADMIN))
    assert 'id="close-' not in client.get(f"/console/residents/{resident.id}").get_data(as_text=True)
    refused = post_form(client, f"/console/enrollments/{enrollment.id}/close", {"reason": "moved"})
    assert refused.status_code == 403
    other = create_user(Role.TOWNSHIP_MANAGER, township=create_township())
    sign_in(client, other)
    assert (
        post_form(client, f"/console/enrollments/{enrollment.id}/close", {"reason": "moved"}).status_code
        == 404
    )
