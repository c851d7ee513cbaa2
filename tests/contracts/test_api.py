"""Teams, contracts and packages through the API: who may do what, and DOMAIN.md's rules."""

from __future__ import annotations

import uuid
from datetime import date

from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from fieldapp.timeutil import local_today
from tests.builders import api, create_facility, create_resident, create_township, create_user, create_village
from tests.contracts.builders import create_contract, create_team, days


def _team_body(township, **members) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": "青山镇第一团队",
        "township_id": str(township.id),
        "members": [{"user_id": str(user.id), "role": role} for role, user in members.items()],
    }


def test_a_manager_forms_a_team_with_a_county_specialist(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    gp = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    village_doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    specialist = create_user(Role.REFERRAL_DESK, facility=create_facility())
    body = _team_body(township, lead=gp, village_doctor=village_doctor, specialist=specialist)
    body["id"] = str(uuid.uuid4())
    created = api(client, "POST", "/api/v1/teams", manager, json=body)
    assert created.status_code == 201, created.get_json()
    assert {m["role"] for m in created.get_json()["members"]} == {"lead", "village_doctor", "specialist"}
    assert api(client, "POST", "/api/v1/teams", manager, json=body).status_code == 200  # replay
    listed = api(client, "GET", f"/api/v1/teams?township_id={township.id}", village_doctor).get_json()
    assert [t["id"] for t in listed["items"]] == [body["id"]]
    renamed = api(client, "PATCH", f"/api/v1/teams/{body['id']}", manager, json={"name": "一队"})
    assert renamed.get_json()["name"] == "一队"


def test_team_members_are_checked_all_at_once(client: FlaskClient) -> None:
    township, other = create_township(), create_township()
    admin = create_user(Role.COUNTY_ADMIN)
    stranger = create_user(Role.TOWNSHIP_DOCTOR, township=other)
    not_specialist = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    body = _team_body(township, lead=stranger, specialist=not_specialist)
    answer = api(client, "POST", "/api/v1/teams", admin, json=body)
    assert answer.status_code == 422
    problems = answer.get_json()["error"]["fields"]["members"]
    assert any("not a member of this township" in p for p in problems)
    assert any("specialist" in p for p in problems)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=other)
    answer = api(client, "POST", "/api/v1/teams", manager, json=_team_body(township, lead=not_specialist))
    assert answer.get_json()["error"]["fields"] == {"township_id": ["no such township in your area"]}


def test_sign_then_second_active_is_409_and_renewal_links_the_previous(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    team = create_team(township)
    resident = create_resident(village)
    today = local_today()
    body = {
        "id": str(uuid.uuid4()),
        "resident_id": str(resident.id),
        "team_id": str(team.id),
        "signed_on": (today - days(300)).isoformat(),
    }
    first = api(client, "POST", "/api/v1/contracts", doctor, json=body)
    assert first.status_code == 201, first.get_json()
    contract = first.get_json()
    assert contract["status"] == "active"
    assert contract["packages"] == ["basic"]
    assert date.fromisoformat(contract["ends_on"]) == date.fromisoformat(contract["starts_on"]) + days(364)
    assert api(client, "POST", "/api/v1/contracts", doctor, json=body).status_code == 200
    changed = api(client, "POST", "/api/v1/contracts", doctor, json={**body, "packages": ["basic", "x"]})
    assert changed.status_code == 409

    second = {**body, "id": str(uuid.uuid4()), "signed_on": today.isoformat()}
    refused = api(client, "POST", "/api/v1/contracts", doctor, json=second)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["existing_id"] == body["id"]

    renewal = api(client, "POST", "/api/v1/contracts", doctor, json={**second, "renews": body["id"]})
    assert renewal.status_code == 201, renewal.get_json()
    assert renewal.get_json()["renews"] == body["id"]
    assert date.fromisoformat(renewal.get_json()["starts_on"]) == date.fromisoformat(
        contract["ends_on"]
    ) + days(1)
    again = api(
        client,
        "POST",
        "/api/v1/contracts",
        doctor,
        json={**second, "id": str(uuid.uuid4()), "renews": body["id"], "starts_on": "2031-01-01"},
    )
    assert again.status_code == 409  # renewed once already

    shown = api(client, "GET", f"/api/v1/residents/{resident.id}", doctor).get_json()
    assert shown["contract"]["id"] == body["id"]
    assert shown["contract"]["team"]["name"] == team.name
    listed = api(client, "GET", f"/api/v1/residents?village_id={village.id}", doctor).get_json()
    assert listed["items"][0]["contract"]["ends_on"] == contract["ends_on"]


def test_contract_fields_are_checked(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    resident = create_resident(village)
    other_team = create_team(create_township())
    body = {
        "resident_id": str(resident.id),
        "team_id": str(other_team.id),
        "signed_on": (local_today() + days(1)).isoformat(),
        "packages": ["basic", "nosuch"],
        "starts_on": "2026-05-01",
        "ends_on": "2026-04-01",
    }
    answer = api(client, "POST", "/api/v1/contracts", doctor, json=body)
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) == {"team_id", "packages", "signed_on", "ends_on"}


def test_terminate_then_status_and_filters(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    team = create_team(township)
    today = local_today()
    active = create_contract(create_resident(village), team, today - days(10))
    expired = create_contract(create_resident(village), team, today - days(400))
    answer = api(
        client,
        "POST",
        f"/api/v1/contracts/{active.id}/terminate",
        doctor,
        json={"reason": "迁出", "on": today.isoformat()},
    )
    assert answer.get_json()["status"] == "terminated"
    again = api(
        client,
        "POST",
        f"/api/v1/contracts/{active.id}/terminate",
        doctor,
        json={"reason": "迁出", "on": today.isoformat()},
    )
    assert again.status_code == 409
    assert (
        api(
            client,
            "POST",
            f"/api/v1/contracts/{expired.id}/terminate",
            doctor,
            json={"reason": "x", "on": today.isoformat()},
        ).status_code
        == 409
    )
    by_status = {
        status: [
            c["id"]
            for c in api(client, "GET", f"/api/v1/contracts?status={status}", doctor).get_json()["items"]
        ]
        for status in ("active", "expired", "terminated")
    }
    assert by_status == {"active": [], "expired": [str(expired.id)], "terminated": [str(active.id)]}


def test_the_county_admin_names_packages_and_basic_stays(client: FlaskClient) -> None:
    admin = create_user(Role.COUNTY_ADMIN)
    saved = api(
        client,
        "PUT",
        "/api/v1/contract-packages/elderly_care",
        admin,
        json={"name": "老年人服务包", "name_en": "Elderly care"},
    )
    assert saved.status_code == 200
    codes = [p["code"] for p in api(client, "GET", "/api/v1/contract-packages", admin).get_json()["items"]]
    assert codes == ["basic", "elderly_care"]
    refused = api(
        client, "PUT", "/api/v1/contract-packages/basic", admin, json={"name": "基础包", "active": False}
    )
    assert refused.status_code == 422
    assert (
        api(client, "PUT", "/api/v1/contract-packages/Bad-Code", admin, json={"name": "x"}).status_code == 404
    )


def test_key_groups_computed_flagged_and_filtered(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    today = local_today()
    body = {
        "name": "李四",
        "sex": "F",
        "birth_date": today.replace(year=today.year - 70).isoformat(),
        "village_id": str(village.id),
        "sms_consent": False,
        "key_group_flags": ["disabled", "low_income"],
    }
    created = api(client, "POST", "/api/v1/residents", doctor, json=body).get_json()
    assert created["key_groups"] == ["elderly", "disabled", "low_income"]
    young = create_resident(village, birth_date=date(1990, 1, 1))
    api(
        client,
        "POST",
        f"/api/v1/residents/{young.id}/enrollments",
        doctor,
        json={"condition": "diabetes", "diagnosed_on": "2025-01-01"},
    )
    shown = api(client, "GET", f"/api/v1/residents/{young.id}", doctor).get_json()
    assert shown["key_groups"] == ["diabetes"]
    patched = api(
        client, "PATCH", f"/api/v1/residents/{young.id}", doctor, json={"key_group_flags": ["pregnant"]}
    )
    assert patched.get_json()["key_groups"] == ["diabetes", "pregnant"]

    def ids(path: str) -> list[str]:
        return [item["id"] for item in api(client, "GET", path, doctor).get_json()["items"]]

    assert ids("/api/v1/residents?key_group=elderly") == [created["id"]]
    assert ids("/api/v1/residents?key_group=pregnant") == [str(young.id)]
    assert ids("/api/v1/residents?key_group=diabetes") == [str(young.id)]
    queue = api(client, "GET", "/api/v1/queue?status=all&key_group=pregnant", doctor).get_json()
    assert [item["resident"]["id"] for item in queue["items"]] == [str(young.id)]
    assert api(client, "GET", "/api/v1/queue?key_group=elderly", doctor).get_json()["items"] == []
    bad = api(client, "POST", "/api/v1/residents", doctor, json={**body, "key_group_flags": ["elderly"]})
    assert bad.status_code == 422
