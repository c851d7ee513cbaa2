"""POST /api/v1/followups and GET /api/v1/residents/{id}/followups over HTTP."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime, timedelta

import pytest

from fieldapp import idempotency
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.timeutil import local_today, utcnow
from tests.builders import api, auth_headers, create_resident
from tests.followups.builders import create_enrollment, followup_body

LOCAL = "+08:00"


def post(client, user, body):
    return api(client, "post", "/api/v1/followups", user, json=body)


def at(day: date, time: str = "10:00:00") -> str:
    return f"{day.isoformat()}T{time}{LOCAL}"


@pytest.mark.parametrize(
    ("condition", "fields", "classification", "urgent", "recommended", "days"),
    [
        ("hypertension", {"sbp": 128, "dbp": 78}, "controlled", False, False, 90),
        ("hypertension", {"sbp": 140, "dbp": 78}, "uncontrolled", False, False, 14),
        ("hypertension", {"sbp": 180, "dbp": 100}, "uncontrolled", True, True, 14),
        (
            "hypertension",
            {"sbp": 128, "dbp": 78, "danger_signs": ["chest_pain"]},
            "controlled",
            True,
            True,
            14,
        ),
        (
            "hypertension",
            {"sbp": 128, "dbp": 78, "adverse_reaction": True},
            "adverse_reaction",
            False,
            False,
            14,
        ),
        ("hypertension", {"sbp": 128, "dbp": 78, "new_complication": True}, "complication", False, True, 14),
        ("diabetes", {"fasting_glucose": 6.9, "sbp": 170, "dbp": 100}, "controlled", False, False, 90),
        ("diabetes", {"fasting_glucose": 7.0}, "uncontrolled", False, False, 14),
        ("diabetes", {"fasting_glucose": 3.9}, "uncontrolled", True, True, 14),
        ("diabetes", {"fasting_glucose": 16.7}, "uncontrolled", True, True, 14),
        ("diabetes", {"fasting_glucose": 6.0, "heart_rate": 101}, "controlled", True, True, 14),
    ],
)
def test_server_classifies_and_schedules(
    client, place, condition, fields, classification, urgent, recommended, days
):
    resident = create_resident(place.village, birth_date=date(1975, 1, 1))
    create_enrollment(resident, condition)
    yesterday = local_today() - timedelta(days=1)
    response = post(
        client, place.doctor, followup_body(resident, condition, performed_at=at(yesterday), **fields)
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["classification"], body["urgent_referral"], body["referral_recommended"]) == (
        classification,
        urgent,
        recommended,
    )
    assert body["next_due_on"] == (yesterday + timedelta(days=days)).isoformat()
    enrollment = db.session.scalar(db.select(Enrollment))
    assert body["enrollment_id"] == str(enrollment.id)
    assert enrollment.next_due_on.isoformat() == body["next_due_on"]
    for key, value in fields.items():
        assert body[key] == value


def test_client_classification_is_ignored(client, place):
    create_enrollment(place.resident)
    body = followup_body(
        place.resident,
        sbp=170,
        classification="controlled",
        urgent_referral=False,
        referral_recommended=False,
    )
    response = post(client, place.doctor, body)
    assert response.status_code == 201, response.json
    assert response.json["classification"] == "uncontrolled"
    assert response.json["referral_recommended"] is False


def test_next_due_counts_from_the_local_performed_date(client, place):
    create_enrollment(place.resident)
    # 15:30 UTC is 23:30 on 1 November in Shanghai; 16:30 UTC is already 2 November there.
    late_evening = post(
        client, place.doctor, followup_body(place.resident, performed_at="2026-11-01T15:30:00Z")
    )
    after_midnight = post(
        client, place.doctor, followup_body(place.resident, performed_at="2026-11-01T16:30:00Z")
    )
    assert late_evening.json["next_due_on"] == "2027-01-30"
    assert after_midnight.json["next_due_on"] == "2027-01-31"


def test_elderly_target_from_the_65th_birthday_in_local_time(client, app, place):
    resident = create_resident(place.village, birth_date=date(1961, 5, 1))
    create_enrollment(resident)
    # 2026-04-30T16:30Z is 00:30 on 1 May locally: the resident is 65 that day.
    on_birthday = post(
        client, place.doctor, followup_body(resident, sbp=145, dbp=85, performed_at="2026-04-30T16:30:00Z")
    )
    day_before = post(
        client, place.doctor, followup_body(resident, sbp=145, dbp=85, performed_at="2026-04-30T15:30:00Z")
    )
    assert on_birthday.json["classification"] == "controlled"
    assert day_before.json["classification"] == "uncontrolled"


def test_same_id_and_body_answers_the_stored_record_other_body_conflicts(client, place):
    create_enrollment(place.resident)
    body = followup_body(place.resident, id=str(uuid.uuid4()), danger_signs=["vomiting", "chest_pain"])
    first = post(client, place.doctor, body)
    again = post(
        client, place.doctor, {**body, "danger_signs": ["chest_pain", "vomiting"], "classification": "x"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    changed = post(client, place.doctor, {**body, "sbp": 131})
    assert changed.status_code == 409
    assert changed.json["error"]["code"] == "conflict"
    assert db.session.query(FollowUp).count() == 1


def test_a_replay_that_loses_the_race_reads_the_winner(client, place, monkeypatch):
    """Two concurrent replays: both miss the read-before-write, the primary key keeps one row."""
    create_enrollment(place.resident)
    body = followup_body(place.resident, id=str(uuid.uuid4()))
    first = post(client, place.doctor, body)
    real_replayed = idempotency.replayed
    calls = []

    def miss_once(model, record_id, digest):
        calls.append(record_id)
        return None if len(calls) == 1 else real_replayed(model, record_id, digest)

    monkeypatch.setattr(idempotency, "replayed", miss_once)
    again = post(client, place.doctor, body)
    assert again.status_code == 200, again.json
    assert again.json["id"] == first.json["id"]
    assert len(calls) == 2
    assert db.session.query(FollowUp).count() == 1


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"sbp": 59}, "sbp"),
        ({"sbp": 120, "dbp": 120}, "dbp"),
        ({"heart_rate": 251}, "heart_rate"),
        ({"weight_kg": 1.5}, "weight_kg"),
        ({"height_cm": 251}, "height_cm"),
        ({"danger_signs": ["dizzy"]}, "danger_signs"),
        ({"mode": "video"}, "mode"),
        ({"condition": "asthma"}, "condition"),
        ({"sbp": "high"}, "sbp"),
    ],
)
def test_invalid_measurements_are_422(client, place, fields, bad_field):
    create_enrollment(place.resident)
    response = post(client, place.doctor, followup_body(place.resident, **fields))
    assert response.status_code == 422
    assert bad_field in response.json["error"]["fields"]


def test_performed_at_at_most_ten_minutes_ahead_and_not_before_birth(client, place):
    create_enrollment(place.resident)
    soon = post(
        client,
        place.doctor,
        followup_body(place.resident, performed_at=(utcnow() + timedelta(minutes=9)).isoformat()),
    )
    late = post(
        client,
        place.doctor,
        followup_body(place.resident, performed_at=(utcnow() + timedelta(minutes=11)).isoformat()),
    )
    unborn = post(
        client, place.doctor, followup_body(place.resident, performed_at="1960-04-30T10:00:00+08:00")
    )
    assert soon.status_code == 201
    assert late.status_code == 422 and "performed_at" in late.json["error"]["fields"]
    assert unborn.status_code == 422 and "performed_at" in unborn.json["error"]["fields"]


def test_glucose_is_required_for_diabetes(client, place):
    create_enrollment(place.resident, "diabetes")
    body = followup_body(place.resident, "diabetes")
    del body["fasting_glucose"]
    response = post(client, place.doctor, body)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"fasting_glucose": ["糖尿病随访必填"]}


def test_an_active_enrollment_for_the_condition_is_required(client, place):
    create_enrollment(place.resident, "hypertension", status="closed")
    response = post(client, place.doctor, followup_body(place.resident))
    assert response.status_code == 422
    assert "condition" in response.json["error"]["fields"]


def test_a_resident_outside_the_area_is_not_found(client, place):
    create_enrollment(place.resident)
    assert post(client, place.other_doctor, followup_body(place.resident)).status_code == 404


def test_two_not_controlled_in_a_row_recommend_a_referral(client, place):
    create_enrollment(place.resident)
    day = local_today() - timedelta(days=40)
    first = post(client, place.doctor, followup_body(place.resident, sbp=150, performed_at=at(day)))
    second = post(
        client,
        place.doctor,
        followup_body(place.resident, adverse_reaction=True, performed_at=at(day + timedelta(days=14))),
    )
    third = post(
        client, place.doctor, followup_body(place.resident, performed_at=at(day + timedelta(days=28)))
    )
    fourth = post(
        client,
        place.doctor,
        followup_body(place.resident, sbp=150, performed_at=at(day + timedelta(days=35))),
    )
    assert [r.json["referral_recommended"] for r in (first, second, third, fourth)] == [
        False,
        True,
        False,
        False,
    ]


def test_late_out_of_order_arrival(client, place):
    """Offline uploads come late: the enrollment follows the newest follow-up by performed_at."""
    enrollment = create_enrollment(place.resident)
    day = local_today() - timedelta(days=30)
    controlled_first = post(client, place.doctor, followup_body(place.resident, performed_at=at(day)))
    latest = post(
        client,
        place.doctor,
        followup_body(place.resident, sbp=150, performed_at=at(day + timedelta(days=20))),
    )
    assert latest.json["referral_recommended"] is False  # the one before it (by time) was controlled
    due_after_latest = latest.json["next_due_on"]

    # Performed between the two, uploaded last: its own "previous" is the one before it in time.
    between = post(
        client,
        place.doctor,
        followup_body(place.resident, sbp=155, performed_at=at(day + timedelta(days=10))),
    )
    assert between.json["referral_recommended"] is False
    assert between.json["next_due_on"] == (day + timedelta(days=24)).isoformat()
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).next_due_on.isoformat() == due_after_latest
    # The stored answer of the later follow-up is what the doctor was told; it is not rewritten.
    assert db.session.get(FollowUp, uuid.UUID(latest.json["id"])).referral_recommended is False

    # Uploaded late and older than all: leaves the due date alone; the next new one counts it.
    older = post(
        client,
        place.doctor,
        followup_body(place.resident, sbp=150, performed_at=at(day - timedelta(days=10))),
    )
    assert older.json["referral_recommended"] is False
    newer = post(
        client,
        place.doctor,
        followup_body(place.resident, sbp=160, performed_at=at(day + timedelta(days=25))),
    )
    assert newer.json["referral_recommended"] is True  # after `latest`, also uncontrolled
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).next_due_on.isoformat() == newer.json["next_due_on"]
    assert controlled_first.json["classification"] == "controlled"


def test_list_is_newest_first_and_area_bound(client, place):
    create_enrollment(place.resident)
    day = local_today() - timedelta(days=20)
    for offset in (0, 10, 5):
        post(
            client, place.doctor, followup_body(place.resident, performed_at=at(day + timedelta(days=offset)))
        )
    response = api(client, "get", f"/api/v1/residents/{place.resident.id}/followups", place.doctor)
    assert response.status_code == 200
    assert response.json["total"] == 3
    performed = [datetime.fromisoformat(item["performed_at"]) for item in response.json["items"]]
    assert performed == sorted(performed, reverse=True)
    paged = api(
        client, "get", f"/api/v1/residents/{place.resident.id}/followups?per_page=2&page=2", place.doctor
    )
    assert len(paged.json["items"]) == 1
    outside = api(client, "get", f"/api/v1/residents/{place.resident.id}/followups", place.other_doctor)
    assert outside.status_code == 404


def test_concurrent_replays_on_postgresql_make_one_row(app, place):
    """Four phones replay one follow-up at once: every answer is the same record, one row."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs a database with concurrent writers")
    create_enrollment(place.resident)
    body = followup_body(place.resident, id=str(uuid.uuid4()))
    headers = [auth_headers(place.doctor) for _ in range(4)]
    db.session.commit()
    start = threading.Barrier(len(headers))
    answers: list[tuple[int, str]] = []

    def replay(header: dict[str, str]) -> None:
        client = app.test_client()
        start.wait()
        response = client.post("/api/v1/followups", json=body, headers=header)
        answers.append((response.status_code, response.get_json().get("id")))

    threads = [threading.Thread(target=replay, args=(header,)) for header in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    assert {record_id for _, record_id in answers} == {body["id"]}
    assert db.session.query(FollowUp).count() == 1


def test_optional_flags_and_signs_sent_as_null_are_not_sent(client, place):
    create_enrollment(place.resident)
    body = followup_body(place.resident, id=str(uuid.uuid4()))
    nulls = {"danger_signs": None, "adverse_reaction": None, "new_complication": None, "heart_rate": None}
    first = post(client, place.doctor, {**body, **nulls})
    assert first.status_code == 201, first.json
    assert (first.json["danger_signs"], first.json["adverse_reaction"], first.json["new_complication"]) == (
        [],
        False,
        False,
    )
    assert post(client, place.doctor, body).status_code == 200
