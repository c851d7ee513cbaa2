"""API.md: every JSON answer over 1 KB is gzip-compressed when the client accepts it."""

from __future__ import annotations

import gzip
import json
from datetime import date

from fieldapp.auth.models import Role
from tests.builders import api, create_resident, create_township, create_user, create_village


def _area_of(n: int):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    for i in range(n):
        create_resident(village, name=f"居民{i}", birth_date=date(1950, 1, 1))
    return doctor


def test_a_large_sync_pull_is_gzipped_and_says_so(client, app):
    doctor = _area_of(30)
    headers = {"Accept-Encoding": "gzip, deflate, br"}
    response = api(client, "post", "/api/v1/sync", doctor, json={"records": []}, headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    body = json.loads(gzip.decompress(response.get_data()))
    assert len(body["changes"]["residents"]) == 30
    assert len(response.get_data()) < len(gzip.decompress(response.get_data())) / 3


def test_nothing_is_compressed_for_a_client_that_does_not_accept_it(client, app):
    doctor = _area_of(30)
    for accept in (None, "identity", "gzip;q=0"):
        headers = {"Accept-Encoding": accept} if accept else {}
        response = api(client, "post", "/api/v1/sync", doctor, json={"records": []}, headers=headers)
        assert "Content-Encoding" not in response.headers, accept
        assert len(response.json["changes"]["residents"]) == 30
        assert "Accept-Encoding" in response.headers["Vary"]


def test_a_small_answer_stays_as_it_is(client, app):
    doctor = _area_of(0)
    response = api(client, "get", "/api/v1/me", doctor, headers={"Accept-Encoding": "gzip"})
    assert len(response.get_data()) <= 1024
    assert "Content-Encoding" not in response.headers
    assert response.json["id"] == str(doctor.id)


def test_errors_over_1_kb_are_compressed_too(client, app):
    doctor = _area_of(0)
    records = [{"type": "resident", "data": {"id": "x" * 40}} for _ in range(40)]
    response = api(
        client, "post", "/api/v1/sync", doctor, json={"records": records}, headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.get_data()))["results"][0]["status"] == "invalid"


def test_the_pull_carries_every_field_of_the_resident_answer(client, app):
    """Compression, not missing fields, is what saves 2G time: a pulled row is the API's row."""
    doctor = _area_of(1)
    row = api(client, "post", "/api/v1/sync", doctor, json={"records": []}).json["changes"]["residents"][0]
    answer = api(client, "get", f"/api/v1/residents/{row['id']}", doctor).json
    assert set(answer) - {"enrollments"} <= set(row)
