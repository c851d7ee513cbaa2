"""POST /api/v1/sync: push in savepoints, replay-safe; pull by cursor, paged, area-bound."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from fieldapp import idempotency
from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp, Visit
from fieldapp.referrals.models import Referral
from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow
from tests.builders import (
    api,
    create_facility,
    create_resident,
    create_township,
    create_user,
    create_village,
    id_number_for,
)
from tests.followups.builders import create_enrollment


def sync(client, user, records, since=None):
    response = api(client, "post", "/api/v1/sync", user, json={"records": records, "since": since})
    assert response.status_code == 200, response.json
    return response.json


def field_batch(village, facility) -> list[dict]:
    resident_id, enrollment_id, followup_id = (str(uuid.uuid4()) for _ in range(3))
    performed_at = (utcnow() - timedelta(days=1)).isoformat()
    return [
        {
            "type": "resident",
            "data": {
                "id": resident_id,
                "name": "李秀英",
                "sex": "F",
                "birth_date": "1958-07-09",
                "village_id": str(village.id),
                "sms_consent": True,
            },
        },
        {
            "type": "enrollment",
            "data": {
                "id": enrollment_id,
                "resident_id": resident_id,
                "condition": "hypertension",
                "diagnosed_on": "2020-02-02",
            },
        },
        {
            "type": "followup",
            "data": {
                "id": followup_id,
                "resident_id": resident_id,
                "condition": "hypertension",
                "performed_at": performed_at,
                "mode": "home",
                "sbp": 186,
                "dbp": 96,
            },
        },
        {
            "type": "visit",
            "data": {
                "id": str(uuid.uuid4()),
                "village_id": str(village.id),
                "resident_id": resident_id,
                "visited_at": performed_at,
                "purpose": "followup",
            },
        },
        {
            "type": "referral",
            "data": {
                "id": str(uuid.uuid4()),
                "resident_id": resident_id,
                "facility_id": str(facility.id),
                "urgency": "urgent",
                "reason": "sbp 186",
                "followup_id": followup_id,
            },
        },
    ]


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.query(model).count() for model in (Resident, Enrollment, FollowUp, Visit, Referral)
    )


def test_a_batch_replayed_three_times_leaves_one_copy_of_each_record(client, app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    batch = field_batch(village, create_facility())

    first = sync(client, doctor, batch)
    assert [r["status"] for r in first["results"]] == ["created"] * 5, first["results"]
    assert [r["type"] for r in first["results"]] == [
        "resident",
        "enrollment",
        "followup",
        "visit",
        "referral",
    ]
    followup = first["results"][2]["record"]
    assert (followup["classification"], followup["urgent_referral"]) == ("uncontrolled", True)
    assert first["results"][0]["id"] == batch[0]["data"]["id"]
    for _ in range(3):
        again = sync(client, doctor, batch)
        assert [r["status"] for r in again["results"]] == ["unchanged"] * 5, again["results"]
        assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
        # The stored records; only the enrollment moved on (its follow-up set the due date).
        assert again["results"][2]["record"] == followup
        assert again["results"][1]["record"]["next_due_on"] == followup["next_due_on"]
    assert counts() == (1, 1, 1, 1, 1)


def test_one_bad_record_never_rejects_the_others(client, app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    resident = create_resident(village)
    stranger = create_resident(create_village(create_township()))
    create_enrollment(resident)
    good = {
        "resident_id": str(resident.id),
        "condition": "hypertension",
        "performed_at": utcnow().isoformat(),
        "mode": "clinic",
        "sbp": 130,
        "dbp": 80,
    }
    records = [
        {"type": "followup", "data": {**good, "sbp": 20}},
        {"type": "followup", "data": {**good, "id": str(uuid.uuid4())}},
        {"type": "alien", "data": {}},
        "not even an object",
        {"type": "followup", "data": {**good, "resident_id": str(stranger.id)}},
        {"type": "followup", "data": {**good, "favourite_colour": "blue"}},
        {
            "type": "enrollment",
            "data": {
                "resident_id": str(resident.id),
                "condition": "hypertension",
                "diagnosed_on": "2020-01-01",
            },
        },
        {
            "type": "visit",
            "data": {
                "village_id": str(village.id),
                "visited_at": utcnow().isoformat(),
                "purpose": "education",
            },
        },
    ]
    results = sync(client, doctor, records)["results"]
    assert [r["status"] for r in results] == [
        "invalid",
        "created",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "conflict",
        "created",
    ]
    assert results[0]["errors"] == {"sbp": ["须在60至300之间"]}  # the caller's language, Chinese by default
    assert results[4]["code"] == "not_found"
    assert "favourite_colour" in results[5]["errors"]
    assert (
        db.session.query(FollowUp).count(),
        db.session.query(Visit).count(),
        db.session.query(Enrollment).count(),
    ) == (1, 1, 1)


def test_same_id_with_another_body_is_a_conflict(client, app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    visit = {
        "id": str(uuid.uuid4()),
        "village_id": str(village.id),
        "visited_at": utcnow().isoformat(),
        "purpose": "household",
    }
    sync(client, doctor, [{"type": "visit", "data": visit}])
    results = sync(client, doctor, [{"type": "visit", "data": {**visit, "purpose": "patrol"}}])["results"]
    assert results == [
        {
            "id": visit["id"],
            "type": "visit",
            "status": "conflict",
            "code": "conflict",
            "errors": results[0]["errors"],
        }
    ]
    assert db.session.get(Visit, uuid.UUID(visit["id"])).purpose == "household"


def test_an_enrollment_posted_to_its_endpoint_replays_unchanged_through_sync(client, app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    resident = create_resident(village)
    body = {"id": str(uuid.uuid4()), "condition": "diabetes", "diagnosed_on": "2021-06-01"}
    assert (
        api(client, "post", f"/api/v1/residents/{resident.id}/enrollments", doctor, json=body).status_code
        == 201
    )
    record = {"type": "enrollment", "data": {**body, "resident_id": str(resident.id)}}
    assert sync(client, doctor, [record])["results"][0]["status"] == "unchanged"


def test_more_than_the_batch_limit_is_413(client, app):
    doctor = create_user(Role.COUNTY_ADMIN)
    records = [{"type": "visit", "data": {}}] * (app.config["SYNC_MAX_RECORDS"] + 1)
    response = api(client, "post", "/api/v1/sync", doctor, json={"records": records, "since": None})
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_a_cursor_we_did_not_make_is_400(client, app):
    doctor = create_user(Role.COUNTY_ADMIN)
    response = api(client, "post", "/api/v1/sync", doctor, json={"records": [], "since": "not-a-cursor!"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    assert "since" in response.json["error"]["fields"]


def _pull_everything(client, user) -> tuple[list[tuple[str, str]], int]:
    seen: list[tuple[str, str]] = []
    cursor, calls = None, 0
    while True:
        answer = sync(client, user, [], cursor)
        calls += 1
        for kind, rows in answer["changes"].items():
            seen.extend((kind, row["id"]) for row in rows)
        cursor = answer["cursor"]
        if not answer["more"]:
            return seen, calls


def test_paging_never_skips_rows_sharing_one_sequence_value(client, app):
    app.config["SYNC_PAGE_SIZE"] = 3
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    # Seven residents and their enrollments in one flush: all share one change_seq.
    residents = [
        Resident(name=f"居民{i}", sex="M", birth_date=date(1950, 1, 1), village_id=village.id)
        for i in range(7)
    ]
    db.session.add_all(residents)
    db.session.flush()
    db.session.add_all(
        Enrollment(resident_id=r.id, condition="diabetes", enrolled_on=r.birth_date, next_due_on=r.birth_date)
        for r in residents
    )
    db.session.commit()
    assert len({r.change_seq for r in residents}) == 1
    later = create_resident(village)

    seen, calls = _pull_everything(client, doctor)
    expected = {("residents", str(r.id)) for r in [*residents, later]}
    expected |= {("enrollments", str(e.id)) for e in db.session.query(Enrollment)}
    assert len(seen) == len(set(seen)) == 15
    assert set(seen) == expected
    assert calls == 5

    # Nothing new: the last cursor answers an empty page; a new row comes next time.
    cursor = sync(client, doctor, [])["cursor"]
    while (answer := sync(client, doctor, [], cursor))["more"]:
        cursor = answer["cursor"]
    cursor = answer["cursor"]
    quiet = sync(client, doctor, [], cursor)
    assert all(rows == [] for rows in quiet["changes"].values())
    newest = create_resident(village)
    fresh = sync(client, doctor, [], quiet["cursor"])
    assert [row["id"] for row in fresh["changes"]["residents"]] == [str(newest.id)]


def test_changes_never_leave_the_callers_area(client, app):
    township = create_township()
    village, neighbour = create_village(township), create_village(township)
    far = create_village(create_township())
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    mine = create_resident(village)
    next_door = create_resident(neighbour)
    distant = create_resident(far)
    for resident in (mine, next_door, distant):
        create_enrollment(resident)

    def resident_ids(user) -> set[str]:
        changes = sync(client, user, [])["changes"]
        enrolled = {
            db.session.get(Enrollment, uuid.UUID(e["id"])).resident_id for e in changes["enrollments"]
        }
        assert {str(r) for r in enrolled} == {r["id"] for r in changes["residents"]}
        return {r["id"] for r in changes["residents"]}

    assert resident_ids(doctor) == {str(mine.id)}
    assert resident_ids(manager) == {str(mine.id), str(next_door.id)}
    assert distant.id not in {
        uuid.UUID(i) for i in resident_ids(create_user(Role.TOWNSHIP_DOCTOR, township=township))
    }


def test_a_resident_who_moves_is_sent_with_their_records_to_the_new_area(client, app):
    township = create_township()
    village, other = create_village(township), create_village(township)
    newcomer_doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[other])
    resident = create_resident(village)
    enrollment = create_enrollment(resident)
    cursor = sync(client, newcomer_doctor, [])["cursor"]
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    moved = api(
        client, "patch", f"/api/v1/residents/{resident.id}", manager, json={"village_id": str(other.id)}
    )
    assert moved.status_code == 200, moved.json
    changes = sync(client, newcomer_doctor, [], cursor)["changes"]
    assert [row["id"] for row in changes["residents"]] == [str(resident.id)]
    assert [row["id"] for row in changes["enrollments"]] == [str(enrollment.id)]


# The simulated race leaves the winner's row in this very session, which SQLAlchemy remarks on.
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
def test_unique_keys_broken_inside_a_batch_answer_as_their_endpoints_do(client, app, monkeypatch):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    existing = create_resident(village, id_number=id_number_for(date(1960, 5, 1)))
    visit = {
        "id": str(uuid.uuid4()),
        "village_id": str(village.id),
        "visited_at": utcnow().isoformat(),
        "purpose": "household",
    }
    assert sync(client, doctor, [{"type": "visit", "data": visit}])["results"][0]["status"] == "created"

    # A concurrent replay wins the race for the visit's id: the read-before-write misses it once.
    real_replayed = idempotency.replayed
    misses = []

    def miss_once(model, record_id, digest):
        if model is Visit and not misses:
            misses.append(record_id)
            return None
        return real_replayed(model, record_id, digest)

    monkeypatch.setattr(idempotency, "replayed", miss_once)
    twin = {
        "name": "李四",
        "sex": "M",
        "birth_date": "1960-05-01",
        "village_id": str(village.id),
        "sms_consent": False,
        "id_number": existing.id_number,
    }
    results = sync(client, doctor, [{"type": "visit", "data": visit}, {"type": "resident", "data": twin}])[
        "results"
    ]
    assert [r["status"] for r in results] == ["unchanged", "conflict"]
    assert results[1]["code"] == "duplicate_resident"
    assert misses == [uuid.UUID(visit["id"])]
    assert (db.session.query(Visit).count(), db.session.query(Resident).count()) == (1, 1)


def test_a_duplicate_resident_names_the_existing_one_as_its_endpoint_does(client, app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    existing = create_resident(village, id_number=id_number_for(date(1960, 5, 1)))
    twin = {
        "name": "李四",
        "sex": "M",
        "birth_date": "1960-05-01",
        "village_id": str(village.id),
        "sms_consent": False,
        "id_number": existing.id_number,
    }
    [result] = sync(client, doctor, [{"type": "resident", "data": twin}])["results"]
    assert (result["status"], result["code"]) == ("conflict", "duplicate_resident")
    assert result["existing_id"] == str(existing.id)


def test_a_township_pulls_every_village_page_by_page_in_the_streams_order(client, app):
    app.config["SYNC_PAGE_SIZE"] = 4
    township = create_township()
    villages = [create_village(township) for _ in range(3)]
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    elsewhere = create_resident(create_village(create_township()))
    # Interleaved across the villages, some sharing a flush (one change_seq), some not.
    residents = [create_resident(villages[n % 3]) for n in range(5)]
    shared = [
        Resident(name=f"居民{i}", sex="F", birth_date=date(1960, 1, 1), village_id=villages[i % 3].id)
        for i in range(6)
    ]
    db.session.add_all(shared)
    db.session.commit()
    for resident in residents[:3]:
        create_enrollment(resident)

    seen, _calls = _pull_everything(client, doctor)
    pulled = [row_id for feed, row_id in seen if feed == "residents"]
    assert len(pulled) == len(set(pulled)) == 11
    assert str(elsewhere.id) not in pulled
    stored = {r.id: (r.change_seq, r.id) for r in db.session.query(Resident)}
    assert pulled == [str(i) for i in sorted((uuid.UUID(p) for p in pulled), key=stored.__getitem__)]
    assert {row_id for feed, row_id in seen if feed == "enrollments"} == {
        str(e.id) for e in db.session.query(Enrollment)
    }
