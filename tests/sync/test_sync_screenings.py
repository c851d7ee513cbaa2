"""Screenings and health checks through sync: pushed as their endpoints take them, pulled by area."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

from fieldapp.auth.models import Role
from fieldapp.sync.service import FEEDS, START, decode_cursor, encode_cursor
from fieldapp.timeutil import local_today, utcnow
from tests.builders import api, create_resident, create_township, create_user, create_village


def sync(client, user, records, since=None):
    response = api(client, "post", "/api/v1/sync", user, json={"records": records, "since": since})
    assert response.status_code == 200, response.json
    return response.json


def _records(resident):
    return [
        {
            "type": "screening",
            "data": {
                "id": str(uuid.uuid4()),
                "resident_id": str(resident.id),
                "performed_at": (utcnow() - timedelta(hours=2)).isoformat(),
                "sbp": 146,
                "dbp": 88,
            },
        },
        {
            "type": "health_check",
            "data": {
                "id": str(uuid.uuid4()),
                "resident_id": str(resident.id),
                "performed_on": local_today().isoformat(),
                "weight_kg": 64,
                "height_cm": 160,
            },
        },
    ]


def test_pushed_replayed_and_pulled(client, app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    resident = create_resident(village)
    records = _records(resident)
    first = sync(client, doctor, records)
    assert [r["status"] for r in first["results"]] == ["created", "created"], first["results"]
    assert first["results"][0]["record"]["results"] == ["suspected_hypertension"]
    assert first["results"][1]["record"]["bmi"] == 25.0
    again = sync(client, doctor, records)
    assert [r["status"] for r in again["results"]] == ["unchanged", "unchanged"]
    assert [row["id"] for row in first["changes"]["screenings"]] == [records[0]["data"]["id"]]
    assert [row["id"] for row in first["changes"]["health_checks"]] == [records[1]["data"]["id"]]
    changed = dict(records[0], data={**records[0]["data"], "sbp": 120})
    conflict = sync(client, doctor, [changed])
    assert conflict["results"][0]["status"] == "conflict"
    invalid = dict(records[1], data={**records[1]["data"], "id": str(uuid.uuid4()), "mouth": "fine"})
    assert sync(client, doctor, [invalid])["results"][0]["status"] == "invalid"
    # Another township's doctor is never sent them.
    elsewhere = create_township()
    stranger = create_user(Role.VILLAGE_DOCTOR, township=elsewhere, villages=[create_village(elsewhere)])
    pulled = sync(client, stranger, [])
    assert pulled["changes"]["screenings"] == []
    assert pulled["changes"]["health_checks"] == []


def test_feed_ranks_are_fixed_and_old_cursors_still_work(client, app):
    assert {feed.name: feed.rank for feed in FEEDS}["screenings"] == 7
    assert {feed.name: feed.rank for feed in FEEDS}["health_checks"] == 8
    # The first version's START cursor carried rank 4 (its number of feeds).
    old_start = base64.urlsafe_b64encode(f"-1.4.{uuid.UUID(int=0).hex}".encode()).decode().rstrip("=")
    assert decode_cursor(old_start) == START
    assert decode_cursor(encode_cursor(START._replace(rank=8))).rank == 8
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    sync(client, doctor, _records(create_resident(village)))
    assert len(sync(client, doctor, [], since=old_start)["changes"]["screenings"]) == 1
    bad = base64.urlsafe_b64encode(f"-1.99.{uuid.UUID(int=0).hex}".encode()).decode().rstrip("=")
    response = api(client, "post", "/api/v1/sync", doctor, json={"records": [], "since": bad})
    assert response.status_code == 400  # API.md v2: a malformed or out-of-range cursor


def test_a_resident_who_moves_takes_their_screenings_and_checks_along(client, app):
    township = create_township()
    first, second = create_village(township), create_village(township, name="西村")
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[first])
    newcomer_doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[second])
    resident = create_resident(first)
    sync(client, doctor, _records(resident))
    cursor = sync(client, newcomer_doctor, [])["cursor"]
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    moved = api(
        client, "patch", f"/api/v1/residents/{resident.id}", manager, json={"village_id": str(second.id)}
    )
    assert moved.status_code == 200, moved.json
    changes = sync(client, newcomer_doctor, [], since=cursor)["changes"]
    assert len(changes["screenings"]) == 1
    assert len(changes["health_checks"]) == 1
