"""Concurrent writers through a real threaded server never get a 500 (SQLite's lock upgrade)."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import date

from flask import Flask

from fieldapp.auth.models import Role
from tests.builders import auth_headers, create_resident, create_township, create_user, create_village


def _post(url: str, headers: dict[str, str], body: dict[str, object]) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_parallel_followups_all_succeed(app: Flask, live_server: str) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    headers = auth_headers(doctor)
    residents = [create_resident(village, name=f"居民{n}") for n in range(6)]
    resident_ids = [str(r.id) for r in residents]
    for resident_id in resident_ids:
        body = {"condition": "hypertension", "diagnosed_on": "2020-01-01", "enrolled_on": "2026-01-05"}
        assert _post(f"{live_server}/api/v1/residents/{resident_id}/enrollments", headers, body) == 201
    statuses: list[int] = []
    lock = threading.Lock()

    def follow_up(resident_id: str) -> None:
        for n in range(10):
            body = {
                "resident_id": resident_id,
                "condition": "hypertension",
                "performed_at": f"2026-{1 + n:02d}-10T09:00:00+08:00",
                "mode": "clinic",
                "sbp": 130 + n,
                "dbp": 80,
            }
            status = _post(f"{live_server}/api/v1/followups", headers, body)
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=follow_up, args=(rid,)) for rid in resident_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 60, sorted(statuses)


def test_parallel_resident_registrations_all_succeed(app: Flask, live_server: str) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    headers = auth_headers(doctor)
    village_id = str(village.id)
    statuses: list[int] = []
    lock = threading.Lock()

    def register(worker: int) -> None:
        for n in range(10):
            body = {
                "name": f"居民{worker}-{n}",
                "sex": "F",
                "birth_date": date(1950, 1, 1 + n).isoformat(),
                "village_id": village_id,
                "sms_consent": False,
            }
            status = _post(f"{live_server}/api/v1/residents", headers, body)
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=register, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 60, sorted(set(statuses))
