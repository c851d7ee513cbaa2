"""A follow-up's BMI: its weight over the resident's newest height, of a follow-up or a health check."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from fieldapp.extensions import db
from fieldapp.timeutil import local_date, local_today, utcnow
from tests.builders import api, create_resident
from tests.followups.builders import create_enrollment, followup_body, iso


def _followup(client: Any, user: Any, body: dict[str, Any]) -> Any:
    answer = api(client, "post", "/api/v1/followups", user, json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _check(client: Any, user: Any, resident: Any, days_ago: int, height_cm: float) -> None:
    body = {
        "resident_id": str(resident.id),
        "performed_on": (local_today() - timedelta(days=days_ago)).isoformat(),
        "height_cm": height_cm,
    }
    answer = api(client, "post", "/api/v1/health-checks", user, json=body)
    assert answer.status_code == 201, answer.get_json()


def _at(days_ago: int) -> str:
    return iso(utcnow() - timedelta(days=days_ago, hours=1))


def test_a_health_checks_height_counts_when_it_is_the_newest(client, place):
    create_enrollment(place.resident)
    _check(client, place.doctor, place.resident, 5, 160.0)
    assert _followup(client, place.doctor, followup_body(place.resident, weight_kg=64.0))["bmi"] == 25.0


def test_the_newest_height_wins_whichever_record_measured_it(client, place):
    create_enrollment(place.resident)
    _followup(client, place.doctor, followup_body(place.resident, performed_at=_at(60), height_cm=170.0))
    _check(client, place.doctor, place.resident, 30, 160.0)  # newer than the follow-up's
    assert (
        _followup(client, place.doctor, followup_body(place.resident, performed_at=_at(20), weight_kg=64.0))[
            "bmi"
        ]
        == 25.0
    )
    _followup(client, place.doctor, followup_body(place.resident, performed_at=_at(10), height_cm=200.0))
    assert _followup(client, place.doctor, followup_body(place.resident, weight_kg=80.0))["bmi"] == 20.0


def test_in_one_sync_batch_a_health_check_gives_the_follow_ups_height(client, place):
    create_enrollment(place.resident)
    check = {
        "type": "health_check",
        "data": {
            "id": str(uuid.uuid4()),
            "resident_id": str(place.resident.id),
            "performed_on": local_date(utcnow()).isoformat(),
            "height_cm": 160.0,
        },
    }
    followup = {
        "type": "followup",
        "data": {"id": str(uuid.uuid4()), **followup_body(place.resident, weight_kg=64.0)},
    }
    answer = api(client, "post", "/api/v1/sync", place.doctor, json={"records": [check, followup]}).get_json()
    assert [r["status"] for r in answer["results"]] == ["created", "created"], answer["results"]
    assert answer["results"][1]["record"]["bmi"] == 25.0


def test_a_batch_reads_every_residents_newest_height_in_one_statement(client, place):
    residents = [create_resident(place.village) for _ in range(6)]
    for resident in residents:
        create_enrollment(resident)
        _check(client, place.doctor, resident, 3, 160.0)
    records = [
        {"type": "followup", "data": {"id": str(uuid.uuid4()), **followup_body(r, weight_kg=64.0)}}
        for r in residents
    ]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        answer = api(client, "post", "/api/v1/sync", place.doctor, json={"records": records}).get_json()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [r["record"]["bmi"] for r in answer["results"]] == [25.0] * 6
    # (The pull after the push reads the health-checks feed: not a read of heights.)
    reading_checks = [s for s in statements if "FROM health_checks" in s and "height_cm" in s]
    assert len(reading_checks) == 1, "\n\n".join(reading_checks)
