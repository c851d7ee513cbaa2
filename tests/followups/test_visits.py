"""POST /api/v1/visits."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fieldapp.extensions import db
from fieldapp.followups.models import Visit
from fieldapp.timeutil import utcnow
from tests.builders import api, create_resident


def visit_body(place, **fields):
    return {
        "village_id": str(place.village.id),
        "visited_at": (utcnow() - timedelta(hours=2)).isoformat(),
        "purpose": "household",
        **fields,
    }


def test_visit_is_recorded_once_by_id(client, place):
    body = visit_body(place, id=str(uuid.uuid4()), resident_id=str(place.resident.id), lat=30.1, lng=120.2)
    first = api(client, "post", "/api/v1/visits", place.doctor, json=body)
    again = api(client, "post", "/api/v1/visits", place.doctor, json=body)
    other = api(client, "post", "/api/v1/visits", place.doctor, json={**body, "purpose": "patrol"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json == first.json
    assert first.json["purpose"] == "household"
    assert db.session.query(Visit).count() == 1


def test_visit_checks_village_resident_purpose_and_time(client, place):
    outsider = create_resident(place.other_village)
    cases = [
        (visit_body(place, village_id=str(place.other_village.id)), 422),
        (visit_body(place, resident_id=str(outsider.id)), 422),
        (visit_body(place, purpose="party"), 422),
        (visit_body(place, lat=91), 422),
        (visit_body(place, visited_at=(utcnow() + timedelta(hours=1)).isoformat()), 422),
    ]
    for body, status in cases:
        assert api(client, "post", "/api/v1/visits", place.doctor, json=body).status_code == status, body
    assert db.session.query(Visit).count() == 0
