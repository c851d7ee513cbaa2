"""Signing at the doorstep: a contract pushed offline, the batch sent twice, makes one contract."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient
from sqlalchemy import func, select

from fieldapp.auth.models import Role
from fieldapp.contracts.models import Contract
from fieldapp.extensions import db
from fieldapp.timeutil import local_today
from tests.builders import api, create_township, create_user, create_village
from tests.contracts.builders import create_team


def sync(client: FlaskClient, user, records, since=None):  # type: ignore[no-untyped-def]
    response = api(client, "post", "/api/v1/sync", user, json={"records": records, "since": since})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_signing_offline_and_syncing_twice_makes_one_contract(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    team = create_team(township)
    resident_id, contract_id = str(uuid.uuid4()), str(uuid.uuid4())
    records = [
        {
            "type": "resident",
            "data": {
                "id": resident_id,
                "name": "王芳",
                "sex": "F",
                "birth_date": "1950-03-04",
                "village_id": str(village.id),
                "sms_consent": True,
            },
        },
        {
            "type": "contract",
            "data": {
                "id": contract_id,
                "resident_id": resident_id,
                "team_id": str(team.id),
                "signed_on": local_today().isoformat(),
                "packages": ["basic"],
            },
        },
    ]
    first = sync(client, doctor, records)
    assert [r["status"] for r in first["results"]] == ["created", "created"]
    assert [c["id"] for c in first["changes"]["contracts"]] == [contract_id]
    assert first["changes"]["residents"][0]["key_groups"] == ["elderly"]
    again = sync(client, doctor, records, since=first["cursor"])
    assert [r["status"] for r in again["results"]] == ["unchanged", "unchanged"]
    assert again["changes"]["contracts"] == []
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 1

    second = {"type": "contract", "data": {**records[1]["data"], "id": str(uuid.uuid4())}}
    (refused,) = sync(client, doctor, [second])["results"]
    assert (refused["status"], refused["existing_id"]) == ("conflict", contract_id)


def test_the_contracts_feed_is_area_bound(client: FlaskClient) -> None:
    township, other = create_township(), create_township()
    village, far = create_village(township), create_village(other)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    outsider = create_user(Role.VILLAGE_DOCTOR, township=other, villages=[far])
    team = create_team(township)
    record = {
        "type": "contract",
        "data": {
            "resident_id": str(uuid.uuid4()),
            "team_id": str(team.id),
            "signed_on": local_today().isoformat(),
        },
    }
    (missing,) = sync(client, doctor, [record])["results"]
    assert missing["status"] == "invalid"
    resident = api(
        client,
        "POST",
        "/api/v1/residents",
        doctor,
        json={
            "name": "赵六",
            "sex": "M",
            "birth_date": "1970-01-01",
            "village_id": str(village.id),
            "sms_consent": False,
        },
    ).get_json()
    record["data"]["resident_id"] = resident["id"]
    (signed,) = sync(client, doctor, [record])["results"]
    assert signed["status"] == "created"
    assert sync(client, outsider, [])["changes"]["contracts"] == []
