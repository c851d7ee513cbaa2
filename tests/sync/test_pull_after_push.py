"""A push's own records are in its results and, as API.md says of everything after the cursor, in its changes."""

from __future__ import annotations

import uuid

from fieldapp.auth.models import Role
from tests.builders import api, create_resident, create_township, create_user, create_village


def test_pushed_records_are_among_the_changes_and_the_cursor_moves_past_them(client, app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    cursor = api(client, "post", "/api/v1/sync", doctor, json={"records": []}).json["cursor"]
    other = create_resident(village, name="别人录的")
    mine = {
        "id": str(uuid.uuid4()),
        "name": "我录的",
        "sex": "F",
        "birth_date": "1950-01-01",
        "village_id": str(village.id),
        "sms_consent": False,
    }
    body = {"records": [{"type": "resident", "data": mine}], "since": cursor}
    answer = api(client, "post", "/api/v1/sync", doctor, json=body).json
    assert answer["results"][0]["record"]["name"] == "我录的"
    assert {row["id"] for row in answer["changes"]["residents"]} == {str(other.id), mine["id"]}
    after = api(client, "post", "/api/v1/sync", doctor, json={"records": [], "since": answer["cursor"]}).json
    assert after["changes"]["residents"] == []
