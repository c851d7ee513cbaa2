"""GET /api/v1/messages: what each caller may read, filtered."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from tests.builders import api, create_facility, create_resident, create_user, create_village
from tests.messaging.builders import create_message


def test_messages_list_with_the_contract_fields_newest_first(app: Flask, client: FlaskClient) -> None:
    village = create_village()
    manager = create_user(Role.TOWNSHIP_MANAGER, township=village.township)
    resident = create_resident(village)
    older = create_message(resident, status="delivered", provider_sid="SM1")
    newer = create_message(resident, status="suppressed", suppressed_reason="no_consent")
    body = api(client, "GET", "/api/v1/messages", manager).get_json()
    assert body["total"] == 2 and body["page"] == 1
    assert [item["id"] for item in body["items"]] == [str(newer.id), str(older.id)]
    item = body["items"][1]
    for name in ("id", "to", "body", "kind", "status", "segments", "provider_sid", "created_at", "sent_at"):
        assert name in item
    assert item["created_at"].endswith("+08:00")
    assert body["items"][0]["suppressed_reason"] == "no_consent"


def test_filters_narrow_the_list(app: Flask, client: FlaskClient) -> None:
    village = create_village()
    admin = create_user(Role.COUNTY_ADMIN)
    one, other = create_resident(village), create_resident(village)
    mine = create_message(one, kind="overdue", status="failed")
    create_message(other, kind="reminder", status="sent")
    for query in (f"resident_id={one.id}", "kind=overdue", "status=failed"):
        items = api(client, "GET", f"/api/v1/messages?{query}", admin).get_json()["items"]
        assert [i["id"] for i in items] == [str(mine.id)], query


def test_bad_filters_are_422(app: Flask, client: FlaskClient) -> None:
    admin = create_user(Role.COUNTY_ADMIN)
    for query in ("status=lost", "kind=spam", "resident_id=nope", "per_page=0"):
        response = api(client, "GET", f"/api/v1/messages?{query}", admin)
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "validation_error"


def test_a_desk_sees_its_facility_messages_and_staff_their_own(app: Flask, client: FlaskClient) -> None:
    facility = create_facility()
    desk = create_user(Role.REFERRAL_DESK, facility=facility)
    village_doctor = create_user(Role.VILLAGE_DOCTOR, villages=[create_village()])
    to_facility = create_message(kind="referral", facility_id=facility.id)
    to_doctor = create_message(kind="referral", user_id=village_doctor.id)
    create_message(create_resident(create_village()))
    assert [i["id"] for i in api(client, "GET", "/api/v1/messages", desk).get_json()["items"]] == [
        str(to_facility.id)
    ]
    assert [i["id"] for i in api(client, "GET", "/api/v1/messages", village_doctor).get_json()["items"]] == [
        str(to_doctor.id)
    ]
