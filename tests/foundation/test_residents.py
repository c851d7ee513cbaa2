"""The registry of residents: normalised phones and identity numbers, duplicates, replays, search."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.messaging.models import SmsOptOut
from fieldapp.org.models import Village
from fieldapp.residents.models import Resident
from tests.builders import (
    auth_headers,
    create_resident,
    create_township,
    create_user,
    create_village,
    id_number_for,
)


@pytest.fixture
def village(app: Any) -> Village:
    return create_village(create_township())


@pytest.fixture
def headers(village: Village) -> dict[str, str]:
    doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    return auth_headers(doctor)


def body_for(village: Village, **changes: Any) -> dict[str, Any]:
    return {
        "name": "王芳",
        "sex": "F",
        "birth_date": "1955-03-02",
        "village_id": str(village.id),
        "sms_consent": True,
        **changes,
    }


def create(client: FlaskClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/api/v1/residents", json=body, headers=headers)


def test_a_created_resident_answers_every_field(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    household = str(uuid.uuid4())
    body = body_for(
        village, household_id=household, id_number=id_number_for(date(1955, 3, 2)), phone="13912345678"
    )
    response = create(client, headers, {**body, "language": "en"})

    assert response.status_code == 201
    resident = response.get_json()
    uuid.UUID(resident["id"])
    assert resident["name"] == "王芳"
    assert resident["sex"] == "F"
    assert resident["birth_date"] == "1955-03-02"
    assert resident["village_id"] == str(village.id)
    assert resident["household_id"] == household
    assert resident["id_number"] == body["id_number"]
    assert resident["phone"] == "+8613912345678"
    assert resident["sms_consent"] is True
    assert resident["language"] == "en"
    assert resident["phone_invalid"] is False
    assert resident["opted_out"] is False


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13912345678", "+8613912345678"),
        ("139 1234 5678", "+8613912345678"),
        ("+86 139-1234-5678", "+8613912345678"),
        ("0731-88886666", "+8673188886666"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_phones_are_stored_in_e164(
    client: FlaskClient, headers: dict[str, str], village: Village, raw: str, e164: str
) -> None:
    assert create(client, headers, body_for(village, phone=raw)).get_json()["phone"] == e164


def test_an_identity_number_ending_in_x_is_accepted_in_either_case(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    number = "11010519491231002X"  # the GB 11643 standard's own example
    response = create(client, headers, body_for(village, id_number=number.lower()))
    assert response.status_code == 201
    assert response.get_json()["id_number"] == number


def test_a_second_resident_with_the_same_identity_number_is_a_duplicate(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    number = id_number_for(date(1955, 3, 2))
    first = create(client, headers, body_for(village, id_number=number)).get_json()

    response = create(client, headers, body_for(village, name="王芳芳", id_number=number))

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "duplicate_resident"
    assert error["existing_id"] == first["id"]
    assert db.session.query(Resident).count() == 1


def test_changing_to_another_residents_identity_number_is_a_duplicate(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    number = id_number_for(date(1955, 3, 2))
    owner = create_resident(village, id_number=number)
    other = create_resident(village, name="李娜")
    response = client.patch(f"/api/v1/residents/{other.id}", json={"id_number": number}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["existing_id"] == str(owner.id)
    same = client.patch(f"/api/v1/residents/{owner.id}", json={"id_number": number}, headers=headers)
    assert same.status_code == 200


def test_a_client_chosen_id_is_kept_and_a_replay_answers_the_same_record(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    chosen = str(uuid.uuid4())
    body = body_for(village, id=chosen, phone="13912345678")
    first = create(client, headers, body)
    assert first.status_code == 201
    assert first.get_json()["id"] == chosen

    replay = create(client, headers, body)

    assert replay.status_code == 200
    assert replay.get_json() == first.get_json()
    assert db.session.query(Resident).count() == 1


def test_the_same_id_with_another_body_is_a_conflict(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    chosen = str(uuid.uuid4())
    create(client, headers, body_for(village, id=chosen))
    response = create(client, headers, body_for(village, id=chosen, name="李娜"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert db.session.get(Resident, uuid.UUID(chosen)).name == "王芳"


def test_a_number_that_opted_out_is_flagged(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    db.session.add(SmsOptOut(phone="+8613912345678"))
    db.session.commit()
    response = create(client, headers, body_for(village, phone="13912345678"))
    assert response.get_json()["opted_out"] is True


def test_a_new_phone_clears_the_invalid_flag_and_the_same_phone_keeps_it(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    resident = create_resident(village, phone="+8613912345678", phone_invalid=True)
    path = f"/api/v1/residents/{resident.id}"

    kept = client.patch(path, json={"phone": "139 1234 5678"}, headers=headers)
    assert kept.get_json()["phone_invalid"] is True

    changed = client.patch(path, json={"phone": "13800001111"}, headers=headers)
    assert changed.status_code == 200
    assert changed.get_json()["phone_invalid"] is False
    assert changed.get_json()["phone"] == "+8613800001111"


def test_patch_changes_only_the_fields_given(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    resident = create_resident(village, name="张伟", sms_consent=True)
    response = client.patch(
        f"/api/v1/residents/{resident.id}", json={"sms_consent": False, "language": "en"}, headers=headers
    )
    body = response.get_json()
    assert (body["name"], body["sms_consent"], body["language"]) == ("张伟", False, "en")


def test_reading_a_resident_includes_enrollments(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    resident = create_resident(village)
    body = client.get(f"/api/v1/residents/{resident.id}", headers=headers).get_json()
    assert body["id"] == str(resident.id)
    assert body["enrollments"] == []


def listed(client: FlaskClient, headers: dict[str, str], query: str) -> list[str]:
    response = client.get(f"/api/v1/residents?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["name"] for item in response.get_json()["items"]]


def test_search_matches_name_phone_or_identity_number(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    number = id_number_for(date(1948, 7, 9))
    create_resident(village, name="王芳", phone="+8613912345678")
    create_resident(village, name="李娜", phone="+8613800001111", id_number=number)
    create_resident(village, name="王建国", phone=None)

    assert listed(client, headers, "q=王") == ["王建国", "王芳"]
    assert listed(client, headers, "q=建国") == ["王建国"]
    assert listed(client, headers, "q=13912345678") == ["王芳"]
    assert listed(client, headers, "q=139 1234") == ["王芳"]
    assert listed(client, headers, "q=0001111") == ["李娜"]
    assert listed(client, headers, f"q={number}") == ["李娜"]
    assert listed(client, headers, f"q={number[-6:]}") == ["李娜"]
    assert listed(client, headers, "q=赵") == []
    assert listed(client, headers, "q=%25") == []


def test_list_pages_and_filters_by_village(client: FlaskClient, village: Village) -> None:
    other = create_village(village.township)
    for n in range(5):
        create_resident(village, name=f"A{n}")
    create_resident(other, name="B")
    headers = auth_headers(create_user(Role.TOWNSHIP_DOCTOR, township=village.township))

    page = client.get("/api/v1/residents?per_page=2&page=2", headers=headers).get_json()
    assert (page["total"], page["page"], page["per_page"]) == (6, 2, 2)
    assert [item["name"] for item in page["items"]] == ["A2", "A3"]
    assert listed(client, headers, f"village_id={other.id}") == ["B"]
    default = client.get("/api/v1/residents", headers=headers).get_json()
    assert default["per_page"] == 50
    assert default["page"] == 1


def test_an_organisation_replay_answers_200_and_another_body_409(client: FlaskClient) -> None:
    headers = auth_headers(create_user(Role.COUNTY_ADMIN))
    chosen = str(uuid.uuid4())
    body = {"id": chosen, "code": "TS09", "name": "新镇"}
    assert client.post("/api/v1/townships", json=body, headers=headers).status_code == 201
    again = client.post("/api/v1/townships", json=body, headers=headers)
    assert again.status_code == 200
    expected = {"hypertension": None, "diabetes": None}  # v2: not set yet
    assert again.get_json() == {
        "id": chosen,
        "code": "TS09",
        "name": "新镇",
        "division_code": "001",
        "expected": expected,
    }
    other = client.post("/api/v1/townships", json={**body, "name": "旧镇"}, headers=headers)
    assert other.status_code == 409


def test_a_new_user_can_sign_in_and_no_password_comes_back(client: FlaskClient, village: Village) -> None:
    headers = auth_headers(create_user(Role.COUNTY_ADMIN))
    body = {
        "username": "sun",
        "password": "a-long-password",
        "role": "village_doctor",
        "township_id": str(village.township_id),
        "village_ids": [str(village.id)],
        "phone": "13912345678",
        "name": "孙医生",
    }
    response = client.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 201
    user = response.get_json()
    assert "password" not in user and "password_hash" not in user
    assert user["phone"] == "+8613912345678"
    assert user["village_ids"] == [str(village.id)]
    token = client.post("/api/v1/auth/token", json={"username": "sun", "password": "a-long-password"})
    assert token.status_code == 200


def test_a_township_manager_assigns_villages_to_its_doctors(client: FlaskClient, village: Village) -> None:
    second = create_village(village.township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    manager = auth_headers(create_user(Role.TOWNSHIP_MANAGER, township=village.township))
    response = client.patch(
        f"/api/v1/users/{doctor.id}", json={"village_ids": [str(village.id), str(second.id)]}, headers=manager
    )
    assert response.status_code == 200
    assert set(response.get_json()["village_ids"]) == {str(village.id), str(second.id)}
    renamed = client.patch(f"/api/v1/users/{doctor.id}", json={"name": "x"}, headers=manager)
    assert renamed.status_code == 403


def test_a_null_language_is_the_default_and_the_same_body(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    body = body_for(village, id=str(uuid.uuid4()))
    first = create(client, headers, {**body, "language": None})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["language"] == "zh"
    assert create(client, headers, body).status_code == 200


def test_a_duplicate_outside_the_area_reveals_no_id_and_is_audited(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    from fieldapp.audit.models import AuditEntry

    elsewhere = create_village(create_township(name="白云乡"))
    number = id_number_for(date(1955, 3, 2))
    stranger = create_resident(elsewhere, id_number=number)
    assert client.get(f"/api/v1/residents/{stranger.id}", headers=headers).status_code == 404

    response = create(client, headers, body_for(village, id_number=number))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "duplicate_resident"
    assert "existing_id" not in error and str(stranger.id) not in response.get_data(as_text=True)
    synced = client.post(
        "/api/v1/sync",
        json={"records": [{"type": "resident", "data": body_for(village, id_number=number)}]},
        headers=headers,
    ).get_json()["results"][0]
    assert synced["status"] == "conflict" and synced["code"] == "duplicate_resident"
    assert "existing_id" not in synced
    attempts = db.session.query(AuditEntry).filter_by(action="duplicate").all()
    assert [(a.entity, a.entity_id) for a in attempts] == [("resident", stranger.id)] * 2
    assert db.session.query(Resident).count() == 1


def test_an_id_taken_outside_the_area_answers_as_any_other_conflict(
    client: FlaskClient, headers: dict[str, str], village: Village
) -> None:
    elsewhere = create_village(create_township(name="白云乡"))
    inside, outside = create_resident(village), create_resident(elsewhere)
    answers = [create(client, headers, body_for(village, id=str(taken.id))) for taken in (inside, outside)]
    assert [a.status_code for a in answers] == [409, 409]
    assert answers[0].get_json() == answers[1].get_json()
