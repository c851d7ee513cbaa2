"""POST /api/v1/residents/{id}/enrollments and /enrollments/{id}/close."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.followups.service import mark_recheck_due
from fieldapp.timeutil import local_today
from tests.builders import api
from tests.followups.builders import create_enrollment


def enroll(client, place, user=None, **body):
    payload = {"condition": "hypertension", "diagnosed_on": "2019-03-01", **body}
    return api(
        client,
        "post",
        f"/api/v1/residents/{place.resident.id}/enrollments",
        user or place.doctor,
        json=payload,
    )


def test_enrollment_is_due_on_enrolled_on_which_defaults_to_today(client, place):
    response = enroll(client, place)
    assert response.status_code == 201, response.json
    today = local_today().isoformat()
    assert response.json["status"] == "active"
    assert response.json["enrolled_on"] == today
    assert response.json["next_due_on"] == today

    chosen = enroll(client, place, condition="diabetes", enrolled_on="2026-10-01")
    assert chosen.json["next_due_on"] == "2026-10-01"


def test_second_active_enrollment_of_a_condition_is_a_conflict(client, place):
    first = enroll(client, place)
    second = enroll(client, place)
    assert second.status_code == 409
    assert second.json["error"]["code"] == "conflict"
    assert second.json["error"]["existing_id"] == first.json["id"]
    assert enroll(client, place, condition="diabetes").status_code == 201


def test_enrollment_is_idempotent_by_id(client, place):
    enrollment_id = str(uuid.uuid4())
    first = enroll(client, place, id=enrollment_id)
    again = enroll(client, place, id=enrollment_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    other = enroll(client, place, id=enrollment_id, diagnosed_on="2018-01-01")
    assert other.status_code == 409
    assert db.session.query(Enrollment).count() == 1


def test_enrollment_outside_the_area_is_not_found(client, place):
    assert enroll(client, place, user=place.other_doctor).status_code == 404


def test_close_takes_the_enrollment_out_of_every_queue(client, place):
    enrollment = create_enrollment(place.resident, next_due_on=local_today() - timedelta(days=3))
    assert api(client, "get", "/api/v1/queue?status=overdue", place.doctor).json["total"] == 1
    response = api(
        client, "post", f"/api/v1/enrollments/{enrollment.id}/close", place.doctor, json={"reason": "moved"}
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "closed"
    assert response.json["closed_on"] == local_today().isoformat()
    for status in ("due", "overdue", "lost", "all"):
        assert api(client, "get", f"/api/v1/queue?status={status}", place.doctor).json["total"] == 0
    again = api(
        client, "post", f"/api/v1/enrollments/{enrollment.id}/close", place.doctor, json={"reason": "moved"}
    )
    assert again.status_code == 200
    other = api(
        client, "post", f"/api/v1/enrollments/{enrollment.id}/close", place.doctor, json={"reason": "died"}
    )
    assert other.status_code == 409
    # a closed enrollment makes room for a new one of the same condition
    assert enroll(client, place).status_code == 201


def test_close_checks_reason_date_and_area(client, place):
    enrollment = create_enrollment(place.resident)
    path = f"/api/v1/enrollments/{enrollment.id}/close"
    assert api(client, "post", path, place.doctor, json={"reason": "bored"}).status_code == 422
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert (
        api(client, "post", path, place.doctor, json={"reason": "other", "closed_on": tomorrow}).status_code
        == 422
    )
    assert api(client, "post", path, place.other_doctor, json={"reason": "moved"}).status_code == 404


def test_mark_recheck_due_only_brings_the_date_forward(app, place):
    today = local_today()
    enrollment = create_enrollment(place.resident, next_due_on=today + timedelta(days=60))
    mark_recheck_due(enrollment.id, today + timedelta(days=14))
    db.session.commit()
    assert db.session.get(Enrollment, enrollment.id).next_due_on == today + timedelta(days=14)
    mark_recheck_due(enrollment.id, today + timedelta(days=30))
    db.session.commit()
    assert db.session.get(Enrollment, enrollment.id).next_due_on == today + timedelta(days=14)


def test_dates_are_checked(client, place):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert enroll(client, place, diagnosed_on=tomorrow).status_code == 422
    assert enroll(client, place, enrolled_on=tomorrow).status_code == 422
    assert enroll(client, place, enrolled_on="1950-01-01").status_code == 422
    assert enroll(client, place, condition="asthma").status_code == 422


def test_optional_dates_sent_as_null_take_their_defaults(client, place):
    enrollment_id = str(uuid.uuid4())
    first = enroll(client, place, id=enrollment_id, enrolled_on=None)
    assert first.status_code == 201, first.json
    assert first.json["enrolled_on"] == local_today().isoformat()
    assert enroll(client, place, id=enrollment_id).status_code == 200
    closed = api(
        client,
        "post",
        f"/api/v1/enrollments/{enrollment_id}/close",
        place.doctor,
        json={"reason": "moved", "closed_on": None},
    )
    assert closed.status_code == 200, closed.json
    assert closed.json["closed_on"] == local_today().isoformat()
