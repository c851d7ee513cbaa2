"""PATCH townships and villages: names and the expected figures (county admin only)."""

from __future__ import annotations

import uuid

from fieldapp.auth.models import Role
from tests.builders import api, create_township, create_user, create_village


def test_expected_figures_are_set_kept_and_cleared(client, app):
    admin = create_user(Role.COUNTY_ADMIN)
    township = create_township()
    path = f"/api/v1/townships/{township.id}"
    body = api(client, "patch", path, admin, json={"expected": {"hypertension": 1200, "diabetes": 400}}).json
    assert body["expected"] == {"hypertension": 1200, "diabetes": 400}
    # A condition left out keeps its figure; null clears it.
    body = api(client, "patch", path, admin, json={"name": "青山镇", "expected": {"diabetes": None}}).json
    assert body["name"] == "青山镇"
    assert body["expected"] == {"hypertension": 1200, "diabetes": None}
    listed = api(client, "get", "/api/v1/townships", admin).json["items"]
    assert listed[0]["expected"] == {"hypertension": 1200, "diabetes": None}


def test_bad_changes_are_refused_with_every_field(client, app):
    admin = create_user(Role.COUNTY_ADMIN)
    township = create_township()
    response = api(
        client,
        "patch",
        f"/api/v1/townships/{township.id}",
        admin,
        json={"name": "", "expected": {"hypertension": -1, "stroke": 3}},
    )
    assert response.status_code == 422
    assert {"name", "expected.hypertension", "expected.stroke"} <= set(response.json["error"]["fields"])
    assert api(client, "patch", f"/api/v1/townships/{uuid.uuid4()}", admin, json={}).status_code == 404
    assert api(client, "patch", f"/api/v1/villages/{uuid.uuid4()}", admin, json={}).status_code == 404


def test_a_village_is_renamed(client, app):
    admin = create_user(Role.COUNTY_ADMIN)
    village = create_village()
    body = api(client, "patch", f"/api/v1/villages/{village.id}", admin, json={"name": "新东村"}).json
    assert body["name"] == "新东村"
    manager = create_user(Role.TOWNSHIP_MANAGER, township=village.township)
    assert (
        api(client, "patch", f"/api/v1/villages/{village.id}", manager, json={"name": "x"}).status_code == 403
    )
