"""A refusal a doctor reads on the phone is in their language: Chinese unless English was chosen."""

from __future__ import annotations

import uuid

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from tests.builders import api, create_township, create_user, create_village


def _enrollment_of_nobody() -> dict:
    data = {
        "id": str(uuid.uuid4()),
        "resident_id": str(uuid.uuid4()),
        "condition": "hypertension",
        "diagnosed_on": "2020-01-01",
    }
    return {"type": "enrollment", "data": data}


def test_a_sync_refusal_and_an_error_envelope_speak_chinese_by_default(client, app):
    township = create_township()
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[create_village(township)])
    result = api(client, "post", "/api/v1/sync", doctor, json={"records": [_enrollment_of_nobody()]}).json[
        "results"
    ][0]
    assert result["status"] == "invalid"
    assert result["errors"]["_schema"] == ["没有这位居民（或不在您的辖区）。请先上传该居民的档案。"]
    missing = api(client, "get", f"/api/v1/residents/{uuid.uuid4()}", doctor).json["error"]
    assert missing["message"] == "没有这位居民（或不在您的辖区）。请先上传该居民的档案。"


def test_english_when_the_caller_chose_it(client, app):
    township = create_township()
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[create_village(township)])
    doctor.language = "en"
    db.session.commit()
    body = {"records": [_enrollment_of_nobody()]}
    result = api(client, "post", "/api/v1/sync", doctor, json=body).json["results"][0]
    assert result["errors"]["_schema"] == ["No such resident."]
