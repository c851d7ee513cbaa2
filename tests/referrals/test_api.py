"""``/api/v1/referrals``: creation, transitions, reading, and who may do what."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.referrals.models import Referral
from tests.builders import api, create_facility
from tests.followups.builders import create_enrollment
from tests.referrals.builders import County, create_county, record_followup

TRANSITION_BODIES: dict[str, dict[str, Any]] = {
    "accept": {"appointment_at": "2030-01-05T09:30:00+08:00", "note": "请带病历"},
    "decline": {"reason": "没有床位"},
    "complete": {"outcome": "血压已控制，回乡随访"},
    "cancel": {"reason": "患者拒绝转诊"},
}
# The transitions that lead a fresh referral to each status (each done by whoever may).
PATHS = {
    "pending": [],
    "accepted": ["accept"],
    "declined": ["decline"],
    "completed": ["accept", "complete"],
    "cancelled": ["cancel"],
}
TARGETS = {"accept": "accepted", "decline": "declined", "complete": "completed", "cancel": "cancelled"}
ALLOWED = {
    ("pending", "accept"),
    ("pending", "decline"),
    ("pending", "cancel"),
    ("accepted", "complete"),
    ("accepted", "cancel"),
}


@pytest.fixture
def county(app: Any) -> County:
    return create_county()


def body(county: County, **fields: Any) -> dict[str, Any]:
    return {
        "resident_id": str(county.resident.id),
        "facility_id": str(county.facility.id),
        "urgency": "emergency",
        "reason": "血压 185/112，头痛",
        **fields,
    }


def actor(county: County, transition: str) -> Any:
    return county.doctor if transition == "cancel" else county.desk


def move(client: FlaskClient, county: County, referral_id: str, transition: str) -> Any:
    return api(
        client,
        "post",
        f"/api/v1/referrals/{referral_id}/{transition}",
        actor(county, transition),
        json=TRANSITION_BODIES[transition],
    )


def create(client: FlaskClient, county: County, **fields: Any) -> dict[str, Any]:
    response = api(client, "post", "/api/v1/referrals", county.doctor, json=body(county, **fields))
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def test_create_answers_the_contract(client: FlaskClient, county: County) -> None:
    before = datetime.now(UTC)
    created = create(client, county)
    assert re.fullmatch(r"R-\d{6}", created["number"])
    assert created["status"] == "pending"
    assert created["urgency"] == "emergency"
    assert created["escalation_level"] == 0
    assert created["escalations"] == []
    assert created["township_id"] == str(county.township.id)
    assert created["referred_by"] == str(county.doctor.id)
    created_at = datetime.fromisoformat(created["created_at"])
    assert created["created_at"].endswith("+08:00")
    assert before - timedelta(seconds=1) <= created_at <= datetime.now(UTC)
    assert datetime.fromisoformat(created["ack_deadline"]) == created_at + timedelta(minutes=15)


def test_numbers_are_consecutive(client: FlaskClient, county: County) -> None:
    first = create(client, county)["number"]
    second = create(client, county, urgency="routine")["number"]
    assert int(second[2:]) == int(first[2:]) + 1


@pytest.mark.parametrize(
    ("urgency", "window"), [("urgent", timedelta(hours=2)), ("routine", timedelta(hours=24))]
)
def test_deadline_by_urgency(client: FlaskClient, county: County, urgency: str, window: timedelta) -> None:
    created = create(client, county, urgency=urgency)
    assert (
        datetime.fromisoformat(created["ack_deadline"]) - datetime.fromisoformat(created["created_at"])
        == window
    )


def test_same_id_same_body_is_the_same_referral(client: FlaskClient, county: County) -> None:
    referral_id = str(uuid.uuid4())
    first = api(client, "post", "/api/v1/referrals", county.doctor, json=body(county, id=referral_id))
    again = api(client, "post", "/api/v1/referrals", county.doctor, json=body(county, id=referral_id))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["number"] == first.json["number"]
    assert db.session.query(Referral).count() == 1
    other = api(
        client, "post", "/api/v1/referrals", county.doctor, json=body(county, id=referral_id, reason="x")
    )
    assert other.status_code == 409
    assert other.json["error"]["code"] == "conflict"


def test_facility_must_be_a_county_facility(client: FlaskClient, county: County) -> None:
    clinic = create_facility(name="镇卫生院")
    clinic.kind = "township_centre"
    db.session.commit()
    for facility_id in (str(uuid.uuid4()), str(clinic.id)):
        response = api(
            client, "post", "/api/v1/referrals", county.doctor, json=body(county, facility_id=facility_id)
        )
        assert response.status_code == 422
        assert "facility_id" in response.json["error"]["fields"]


def test_followup_must_belong_to_the_resident(client: FlaskClient, county: County) -> None:
    from tests.builders import create_resident

    neighbour = create_resident(county.village, name="李四")
    theirs = record_followup(create_enrollment(neighbour), datetime(2026, 11, 20, 1, tzinfo=UTC))
    response = api(
        client, "post", "/api/v1/referrals", county.doctor, json=body(county, followup_id=str(theirs.id))
    )
    assert response.status_code == 422
    assert "followup_id" in response.json["error"]["fields"]
    mine = record_followup(create_enrollment(county.resident), datetime(2026, 11, 20, 1, tzinfo=UTC))
    assert create(client, county, followup_id=str(mine.id))["followup_id"] == str(mine.id)


@pytest.mark.parametrize(
    ("field", "value"), [("urgency", "soon"), ("reason", ""), ("resident_id", "nope"), ("colour", "red")]
)
def test_create_rejects_bad_fields(client: FlaskClient, county: County, field: str, value: str) -> None:
    response = api(client, "post", "/api/v1/referrals", county.doctor, json=body(county, **{field: value}))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_who_may_refer(client: FlaskClient, county: County) -> None:
    for user in (county.township_doctor, county.manager):
        assert api(client, "post", "/api/v1/referrals", user, json=body(county)).status_code == 201
    for user in (county.desk, county.admin):
        response = api(client, "post", "/api/v1/referrals", user, json=body(county))
        assert response.status_code == 403
    response = api(client, "post", "/api/v1/referrals", county.other_doctor, json=body(county))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("status", PATHS)
def test_state_machine_over_http(client: FlaskClient, county: County, status: str) -> None:
    for transition, target in TARGETS.items():
        referral_id = create(client, county)["id"]
        for step in PATHS[status]:
            assert move(client, county, referral_id, step).status_code == 200
        response = move(client, county, referral_id, transition)
        if (status, transition) in ALLOWED:
            assert response.status_code == 200, (transition, response.json)
            assert response.json["status"] == target
        else:
            assert response.status_code == 409, transition
            assert response.json["error"]["code"] == "invalid_transition"
            stored = api(client, "get", f"/api/v1/referrals/{referral_id}", county.admin).json
            assert stored["status"] == status


def test_accept_records_appointment_and_note(client: FlaskClient, county: County) -> None:
    referral_id = create(client, county)["id"]
    accepted = move(client, county, referral_id, "accept").json
    assert accepted["appointment_at"] == "2030-01-05T09:30:00+08:00"
    assert accepted["accept_note"] == "请带病历"
    assert accepted["accepted_by"] == str(county.desk.id)
    assert accepted["accepted_at"] is not None


def test_accept_without_a_body(client: FlaskClient, county: County) -> None:
    referral_id = create(client, county)["id"]
    response = api(client, "post", f"/api/v1/referrals/{referral_id}/accept", county.desk)
    assert response.status_code == 200
    assert response.json["appointment_at"] is None


def test_appointment_before_the_referral_is_refused(client: FlaskClient, county: County) -> None:
    referral_id = create(client, county)["id"]
    response = api(
        client,
        "post",
        f"/api/v1/referrals/{referral_id}/accept",
        county.desk,
        json={"appointment_at": "2020-01-01T09:00:00+08:00"},
    )
    assert response.status_code == 422
    assert "appointment_at" in response.json["error"]["fields"]
    assert api(client, "get", f"/api/v1/referrals/{referral_id}", county.desk).json["status"] == "pending"


@pytest.mark.parametrize("transition", ["decline", "cancel"])
def test_reasons_are_required(client: FlaskClient, county: County, transition: str) -> None:
    referral_id = create(client, county)["id"]
    response = api(
        client, "post", f"/api/v1/referrals/{referral_id}/{transition}", actor(county, transition), json={}
    )
    assert response.status_code == 422
    assert "reason" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    ("transition", "who", "status"),
    [
        ("accept", "other_desk", 404),
        ("accept", "other_doctor", 404),
        ("accept", "other_manager", 404),
        ("accept", "doctor", 403),
        ("accept", "manager", 403),
        ("accept", "admin", 403),
        ("decline", "other_desk", 404),
        ("decline", "doctor", 403),
        ("complete", "other_desk", 404),
        ("complete", "manager", 403),
        ("cancel", "desk", 403),
        ("cancel", "other_desk", 404),
        ("cancel", "other_doctor", 404),
        ("cancel", "other_manager", 404),
        ("cancel", "township_doctor", 200),
        ("cancel", "manager", 200),
        ("cancel", "admin", 200),
    ],
)
def test_who_may_change_a_referral(
    client: FlaskClient, county: County, transition: str, who: str, status: int
) -> None:
    referral_id = create(client, county)["id"]
    if transition == "complete":
        move(client, county, referral_id, "accept")
    response = api(
        client,
        "post",
        f"/api/v1/referrals/{referral_id}/{transition}",
        getattr(county, who),
        json=TRANSITION_BODIES[transition],
    )
    assert response.status_code == status, response.json


def test_unknown_referral_is_404(client: FlaskClient, county: County) -> None:
    missing = uuid.uuid4()
    assert api(client, "get", f"/api/v1/referrals/{missing}", county.admin).status_code == 404
    assert move(client, county, str(missing), "accept").status_code == 404


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("doctor", True),
        ("township_doctor", True),
        ("manager", True),
        ("desk", True),
        ("admin", True),
        ("other_doctor", False),
        ("other_manager", False),
        ("other_desk", False),
    ],
)
def test_who_may_see_a_referral(client: FlaskClient, county: County, who: str, visible: bool) -> None:
    referral_id = create(client, county)["id"]
    user = getattr(county, who)
    one = api(client, "get", f"/api/v1/referrals/{referral_id}", user)
    listed = api(client, "get", "/api/v1/referrals", user).json
    assert one.status_code == (200 if visible else 404)
    assert [item["id"] for item in listed["items"]] == ([referral_id] if visible else [])
    assert listed["total"] == (1 if visible else 0)


def test_list_filters_and_pages(client: FlaskClient, county: County) -> None:
    ids = [create(client, county)["id"] for _ in range(3)]
    move(client, county, ids[0], "accept")
    other = api(
        client,
        "post",
        "/api/v1/referrals",
        county.doctor,
        json=body(county, facility_id=str(county.other_facility.id)),
    ).json["id"]

    def listed(query: str) -> list[str]:
        response = api(client, "get", f"/api/v1/referrals?{query}", county.admin)
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert listed("status=accepted") == [ids[0]]
    assert len(listed("status=&facility_id=&township_id=")) == 4
    assert set(listed("status=pending")) == {ids[1], ids[2], other}
    assert listed(f"facility_id={county.other_facility.id}") == [other]
    assert len(listed(f"township_id={county.township.id}")) == 4
    assert listed(f"township_id={county.other_township.id}") == []
    page = api(client, "get", "/api/v1/referrals?per_page=2&page=2", county.admin).json
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (4, 2, 2, 2)


@pytest.mark.parametrize("query", ["status=lost", "facility_id=x", "township_id=1", "page=0"])
def test_list_rejects_bad_filters(client: FlaskClient, county: County, query: str) -> None:
    response = api(client, "get", f"/api/v1/referrals?{query}", county.admin)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"


def test_complete_brings_the_triggering_enrollment_due_within_14_days(
    client: FlaskClient, county: County
) -> None:
    hypertension = create_enrollment(county.resident, "hypertension", next_due_on=date(2027, 3, 1))
    diabetes = create_enrollment(county.resident, "diabetes", next_due_on=date(2027, 3, 1))
    followup = record_followup(hypertension, datetime(2026, 11, 20, 1, tzinfo=UTC))
    referral_id = create(client, county, followup_id=str(followup.id))["id"]
    move(client, county, referral_id, "accept")
    completed = move(client, county, referral_id, "complete").json
    assert completed["status"] == "completed"
    assert completed["outcome"] == TRANSITION_BODIES["complete"]["outcome"]
    today = datetime.fromisoformat(completed["completed_at"]).date()
    db.session.expire_all()
    assert db.session.get(Enrollment, hypertension.id).next_due_on == today + timedelta(days=14)
    assert db.session.get(Enrollment, diabetes.id).next_due_on == date(2027, 3, 1)


def test_complete_without_a_follow_up_brings_every_active_enrollment_due(
    client: FlaskClient, county: County
) -> None:
    late = create_enrollment(county.resident, "hypertension", next_due_on=date(2027, 3, 1))
    soon = create_enrollment(county.resident, "diabetes", next_due_on=date(2026, 11, 25))
    referral_id = create(client, county)["id"]
    move(client, county, referral_id, "accept")
    completed = move(client, county, referral_id, "complete").json
    today = datetime.fromisoformat(completed["completed_at"]).date()
    db.session.expire_all()
    assert db.session.get(Enrollment, late.id).next_due_on == today + timedelta(days=14)
    assert db.session.get(Enrollment, soon.id).next_due_on == date(2026, 11, 25)
