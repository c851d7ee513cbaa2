"""``/api/v1/verifications``: filters, paging and the manager's review."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.assessment.builders import build_third_quarter
from tests.builders import api


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    return build_third_quarter()


def test_listing_by_status_and_doctor(client: FlaskClient, world: dict[str, Any]) -> None:
    manager = world["manager"]
    everything = api(client, "GET", "/api/v1/verifications", manager).get_json()
    assert everything["total"] == 3 and {i["status"] for i in everything["items"]} == {"confirmed", "denied"}
    denied = api(client, "GET", "/api/v1/verifications?status=denied", manager).get_json()["items"]
    assert len(denied) == 1
    item = denied[0]
    assert set(item) >= {"id", "followup_id", "resident_id", "doctor_id", "asked_at", "status", "review"}
    assert item["doctor_id"] == str(world["a"].id) and item["review"] is None
    assert (
        api(client, "GET", f"/api/v1/verifications?doctor_id={world['b'].id}", manager).get_json()["total"]
        == 0
    )
    bad = api(client, "GET", "/api/v1/verifications?status=maybe", manager)
    assert bad.status_code == 422 and "status" in bad.get_json()["error"]["fields"]
    page = api(client, "GET", "/api/v1/verifications?per_page=2&page=2", manager).get_json()
    assert (page["total"], len(page["items"]), page["page"]) == (3, 1, 2)


def test_the_manager_records_a_review(client: FlaskClient, world: dict[str, Any]) -> None:
    manager = world["manager"]
    denied = api(client, "GET", "/api/v1/verifications?status=denied", manager).get_json()["items"][0]
    path = f"/api/v1/verifications/{denied['id']}/review"
    wrong = api(client, "POST", path, manager, json={"finding": "fake", "extra": 1})
    assert wrong.status_code == 422 and set(wrong.get_json()["error"]["fields"]) == {"finding", "extra"}
    done = api(client, "POST", path, manager, json={"finding": "not_genuine", "note": "居民说没见过医生"})
    assert done.status_code == 200
    review = done.get_json()["review"]
    assert review["finding"] == "not_genuine" and review["note"] == "居民说没见过医生"
    assert review["reviewed_by"] == str(manager.id)
