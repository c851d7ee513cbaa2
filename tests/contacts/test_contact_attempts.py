"""POST /api/v1/contact-attempts: each result's effect, idempotency, sync, and the queue's last contact."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today, utcnow
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.followups.builders import create_enrollment


def overdue_resident() -> tuple[Any, Resident, list[Enrollment]]:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    resident = create_resident(village, name="赵大爷")
    late = local_today() - timedelta(days=20)
    enrollments = [
        create_enrollment(resident, "hypertension", next_due_on=late),
        create_enrollment(resident, "diabetes", next_due_on=late),
    ]
    return doctor, resident, enrollments


def attempt(resident: Resident, result: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "resident_id": str(resident.id),
        "at": utcnow().isoformat(),
        "channel": "phone",
        "result": result,
        **extra,
    }


def post(client, doctor, body):
    return api(client, "post", "/api/v1/contact-attempts", doctor, json=body)


def queue(client, doctor, status: str = "overdue") -> list[dict[str, Any]]:
    return api(client, "get", f"/api/v1/queue?status={status}", doctor).json["items"]  # type: ignore[no-any-return]


def test_will_come_sets_the_day_they_are_due(client, app):
    doctor, resident, enrollments = overdue_resident()
    come_on = local_today() + timedelta(days=3)
    response = post(client, doctor, attempt(resident, "will_come", come_on=come_on.isoformat()))
    assert response.status_code == 201, response.json
    assert response.json["come_on"] == come_on.isoformat()
    db.session.expire_all()
    assert {db.session.get(Enrollment, e.id).next_due_on for e in enrollments} == {come_on}
    assert queue(client, doctor) == []


def test_moved_and_died_close_every_active_enrollment_and_leave_the_queue(client, app):
    for result in ("moved", "died"):
        doctor, resident, enrollments = overdue_resident()
        assert len(queue(client, doctor)) == 2
        assert post(client, doctor, attempt(resident, result)).status_code == 201
        db.session.expire_all()
        closed = [db.session.get(Enrollment, e.id) for e in enrollments]
        assert {(e.status, e.close_reason, e.next_due_on) for e in closed} == {("closed", result, None)}
        assert queue(client, doctor) == []


def test_wrong_number_flags_the_phone_and_the_resident_comes_again_in_the_pull(client, app):
    doctor, resident, _ = overdue_resident()
    cursor = api(client, "post", "/api/v1/sync", doctor, json={"records": []}).json["cursor"]
    assert post(client, doctor, attempt(resident, "wrong_number")).status_code == 201
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).phone_invalid is True
    changes = api(client, "post", "/api/v1/sync", doctor, json={"records": [], "since": cursor}).json[
        "changes"
    ]
    assert [(row["id"], row["phone_invalid"]) for row in changes["residents"]] == [(str(resident.id), True)]
    assert [row["result"] for row in changes["contact_attempts"]] == ["wrong_number"]


def test_the_queue_shows_each_items_last_attempt(client, app):
    doctor, resident, _ = overdue_resident()
    assert all(item["last_contact"] is None for item in queue(client, doctor))
    earlier = attempt(resident, "unreachable", at=(utcnow() - timedelta(hours=3)).isoformat())
    post(client, doctor, attempt(resident, "refused", channel="visit"))
    post(client, doctor, earlier)
    last = [item["last_contact"] for item in queue(client, doctor)]
    assert [(c["channel"], c["result"]) for c in last] == [("visit", "refused"), ("visit", "refused")]


def test_the_same_id_twice_is_one_attempt_and_another_body_a_conflict(client, app):
    doctor, resident, _ = overdue_resident()
    body = attempt(resident, "will_come", come_on=(local_today() + timedelta(days=2)).isoformat())
    assert post(client, doctor, body).status_code == 201
    assert post(client, doctor, body).status_code == 200
    assert post(client, doctor, {**body, "note": "改口了"}).status_code == 409


def test_what_is_refused_names_every_field(client, app):
    doctor, resident, _ = overdue_resident()
    no_date = post(client, doctor, attempt(resident, "will_come"))
    assert no_date.status_code == 422 and "come_on" in no_date.json["error"]["fields"]
    stray = post(client, doctor, attempt(resident, "unreachable", come_on=local_today().isoformat()))
    assert "come_on" in stray.json["error"]["fields"]
    bad = post(client, doctor, {**attempt(resident, "lost"), "channel": "fax"})
    assert set(bad.json["error"]["fields"]) == {"channel", "result"}
    future = post(client, doctor, attempt(resident, "refused", at=(utcnow() + timedelta(days=1)).isoformat()))
    assert "at" in future.json["error"]["fields"]


def test_a_contact_attempt_syncs_like_its_endpoint(client, app):
    doctor, resident, enrollments = overdue_resident()
    record = {"type": "contact_attempt", "data": attempt(resident, "moved")}
    first = api(client, "post", "/api/v1/sync", doctor, json={"records": [record]}).json
    assert first["results"][0]["status"] == "created"
    replay = api(client, "post", "/api/v1/sync", doctor, json={"records": [record]}).json
    assert replay["results"][0]["status"] == "unchanged"
    db.session.expire_all()
    assert {db.session.get(Enrollment, e.id).status for e in enrollments} == {"closed"}


def test_the_screening_and_health_check_queues_show_the_last_attempt_too(client, app):
    from fieldapp.org.models import Village

    doctor, managed, _ = overdue_resident()  # managed, no health check this year
    screened = create_resident(db.session.get(Village, managed.village_id), name="钱大妈")
    body = {"resident_id": str(screened.id), "performed_at": utcnow().isoformat(), "sbp": 150, "dbp": 95}
    assert api(client, "post", "/api/v1/screenings", doctor, json=body).status_code == 201
    waiting = {"screening": screened, "health_check": managed}
    for status, resident in waiting.items():
        items = queue(client, doctor, status)
        assert [item["resident"]["id"] for item in items] == [str(resident.id)], status
        assert items[0]["last_contact"] is None
    for resident in waiting.values():
        post(client, doctor, attempt(resident, "unreachable", at=(utcnow() - timedelta(hours=3)).isoformat()))
        post(client, doctor, attempt(resident, "refused", channel="visit"))
    for status in waiting:
        (item,) = queue(client, doctor, status)
        assert (item["last_contact"]["channel"], item["last_contact"]["result"]) == ("visit", "refused")
