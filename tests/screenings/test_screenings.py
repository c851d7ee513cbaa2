"""Screenings through the API: results, idempotency, outcomes, and the screening queue."""

from __future__ import annotations

import json
import threading
import urllib.request
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.timeutil import local_date, local_today, utcnow
from tests.builders import api, auth_headers
from tests.followups.builders import create_enrollment
from tests.screenings.builders import screening_body


def _post_screening(client, place, **fields):
    return api(
        client, "post", "/api/v1/screenings", place.doctor, json=screening_body(place.resident, **fields)
    )


def _outcome(client, place, screening_id, **fields):
    body = {"condition": "hypertension", "outcome": "confirmed", "on": local_today().isoformat(), **fields}
    return api(client, "post", f"/api/v1/screenings/{screening_id}/outcome", place.doctor, json=body)


def _enrollments(resident_id, condition="hypertension"):
    query = select(func.count()).where(
        Enrollment.resident_id == resident_id, Enrollment.condition == condition
    )
    return db.session.scalar(query)


def test_a_suspected_screening_waits_fourteen_days(client, place):
    response = _post_screening(client, place, fasting_glucose=7.0, risk_factors=["smoking", "overweight"])
    assert response.status_code == 201, response.json
    body = response.json
    assert body["results"] == ["suspected_hypertension", "suspected_diabetes"]
    performed_on = local_date(utcnow() - timedelta(hours=1))
    assert body["confirm_by"] == (performed_on + timedelta(days=14)).isoformat()
    assert body["status"] == "open"
    assert body["risk_factors"] == ["overweight", "smoking"]
    assert body["performed_by"] == str(place.doctor.id)


def test_a_normal_screening_is_closed_at_once(client, place):
    body = _post_screening(client, place, sbp=129, dbp=84).json
    assert body["results"] == ["normal"]
    assert body["confirm_by"] is None
    assert body["status"] == "closed"


def test_an_enrolled_condition_is_not_suspected(client, place):
    create_enrollment(place.resident, "hypertension")
    body = _post_screening(client, place, sbp=160, dbp=100).json
    assert body["results"] == []
    assert body["status"] == "closed"


def test_the_same_id_is_the_same_screening(client, place):
    body = screening_body(place.resident, id=str(uuid.uuid4()))
    first = api(client, "post", "/api/v1/screenings", place.doctor, json=body)
    again = api(client, "post", "/api/v1/screenings", place.doctor, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    other = api(client, "post", "/api/v1/screenings", place.doctor, json={**body, "sbp": 151})
    assert other.status_code == 409
    assert other.json["error"]["code"] == "conflict"


def test_every_field_error_at_once(client, place):
    response = _post_screening(
        client, place, sbp=310, dbp=None, fasting_glucose=40, performed_at="2099-01-01T00:00:00Z"
    )
    assert response.status_code == 422
    assert {"sbp", "dbp", "fasting_glucose", "performed_at"} <= set(response.json["error"]["fields"])
    unknown = _post_screening(client, place, risk_factors=["tall"])
    assert unknown.status_code == 422
    assert "risk_factors.0" in unknown.json["error"]["fields"]


def test_nothing_measured_is_refused(client, place):
    response = _post_screening(client, place, sbp=None, dbp=None)
    assert response.status_code == 422
    assert "_schema" in response.json["error"]["fields"]


def test_a_resident_outside_the_area_is_not_found(client, place):
    body = screening_body(place.resident)
    assert api(client, "post", "/api/v1/screenings", place.stranger, json=body).status_code == 404


def test_a_confirmation_enrolls_the_resident_once(client, place):
    screening = _post_screening(client, place).json
    on = local_today().isoformat()
    first = _outcome(client, place, screening["id"], on=on)
    assert first.status_code == 200, first.json
    assert first.json["status"] == "closed"
    enrollment = first.json["enrollment"]
    assert enrollment["condition"] == "hypertension"
    assert enrollment["diagnosed_on"] == on
    assert enrollment["status"] == "active"
    replay = _outcome(client, place, screening["id"], on=on)
    assert replay.status_code == 200
    assert replay.json["enrollment"]["id"] == enrollment["id"]
    assert _enrollments(place.resident.id) == 1
    # Settled one way, it cannot be settled the other.
    excluded = _outcome(client, place, screening["id"], outcome="excluded")
    assert excluded.status_code == 409
    assert excluded.json["error"]["code"] == "invalid_transition"


def test_an_existing_enrollment_is_taken_not_doubled(client, place):
    screening = _post_screening(client, place).json
    existing = create_enrollment(place.resident, "hypertension")
    response = _outcome(client, place, screening["id"])
    assert response.json["enrollment"]["id"] == str(existing.id)
    assert _enrollments(place.resident.id) == 1


def test_not_reached_keeps_the_screening_open_until_settled(client, place):
    screening = _post_screening(client, place, fasting_glucose=8.0).json
    tried = _outcome(client, place, screening["id"], outcome="not_reached")
    assert tried.json["status"] == "open"
    assert tried.json["enrollment"] is None
    _outcome(client, place, screening["id"], outcome="not_reached")
    excluded = _outcome(client, place, screening["id"], outcome="excluded")
    assert excluded.json["status"] == "open"  # diabetes still waits
    assert excluded.json["outcomes"]["hypertension"]["outcome"] == "excluded"
    done = _outcome(client, place, screening["id"], condition="diabetes", outcome="excluded")
    assert done.json["status"] == "closed"
    assert _enrollments(place.resident.id) == 0


def test_an_outcome_must_fit_the_screening(client, place):
    screening = _post_screening(client, place, sbp=120, dbp=70, fasting_glucose=8.0).json
    wrong = _outcome(client, place, screening["id"], condition="hypertension")
    assert wrong.status_code == 422
    assert "condition" in wrong.json["error"]["fields"]
    early = _outcome(client, place, screening["id"], condition="diabetes", on="2000-01-01")
    assert early.status_code == 422
    missing = _outcome(client, place, uuid.uuid4(), condition="diabetes")
    assert missing.status_code == 404
    outside = api(
        client,
        "post",
        f"/api/v1/screenings/{screening['id']}/outcome",
        place.stranger,
        json={"condition": "diabetes", "outcome": "excluded", "on": local_today().isoformat()},
    )
    assert outside.status_code == 404


def test_a_resident_s_screenings_newest_first(client, place):
    older = _post_screening(client, place, performed_at=(utcnow() - timedelta(days=3)).isoformat()).json
    newer = _post_screening(client, place, sbp=120, dbp=70).json
    body = api(client, "get", f"/api/v1/residents/{place.resident.id}/screenings", place.doctor).json
    assert [item["id"] for item in body["items"]] == [newer["id"], older["id"]]
    assert body["total"] == 2


def test_the_screening_queue_lists_open_screenings_by_confirm_by(client, place):
    late = _post_screening(client, place, performed_at=(utcnow() - timedelta(days=20)).isoformat()).json
    soon = _post_screening(client, place, sbp=120, dbp=70, fasting_glucose=9.1).json
    _post_screening(client, place, sbp=120, dbp=70)  # normal: never queued
    queue = api(client, "get", "/api/v1/queue?status=screening", place.doctor).json
    assert queue["total"] == 2
    assert [item["screening_id"] for item in queue["items"]] == [late["id"], soon["id"]]
    first = queue["items"][0]
    assert first["due_on"] == late["confirm_by"]
    assert first["days_overdue"] == 6
    assert first["condition"] == "hypertension"
    assert first["resident"]["id"] == str(place.resident.id)
    assert queue["items"][1]["condition"] == "diabetes"
    only_dm = api(client, "get", "/api/v1/queue?status=screening&condition=diabetes", place.doctor).json
    assert [item["screening_id"] for item in only_dm["items"]] == [soon["id"]]
    _outcome(client, place, late["id"], outcome="excluded")
    after = api(client, "get", "/api/v1/queue?status=screening", place.doctor).json
    assert [item["screening_id"] for item in after["items"]] == [soon["id"]]
    assert api(client, "get", "/api/v1/queue?status=screening", place.stranger).json["total"] == 0


def _post_live(url: str, headers: dict[str, str], body: dict[str, object]) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), json.loads(error.read())


def test_two_phones_confirming_at_once_make_one_enrollment(client, place, live_server):
    screening = _post_screening(client, place).json
    headers = auth_headers(place.doctor)
    url = f"{live_server}/api/v1/screenings/{screening['id']}/outcome"
    body = {"condition": "hypertension", "outcome": "confirmed", "on": local_today().isoformat()}
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def confirm() -> None:
        start.wait()
        answer = _post_live(url, headers, body)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [200] * 4, answers
    assert len({answer["enrollment"]["id"] for _, answer in answers}) == 1
    db.session.expire_all()
    assert _enrollments(place.resident.id) == 1
