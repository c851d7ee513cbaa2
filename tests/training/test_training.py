"""Trainings, guidance visits and the yearly report of who meets the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fieldapp.auth.models import Role, User
from fieldapp.training.rules import guidance_months_required, meets_training_rule, training_share
from tests.builders import api, create_facility, create_township, create_user, create_village


@pytest.mark.parametrize(
    ("trainings", "days", "met"),
    [(2, 13, False), (2, 14, True), (1, 14, False), (3, 20, True), (0, 0, False)],
)
def test_the_training_rule_on_its_edges(trainings: int, days: int, met: bool) -> None:
    assert meets_training_rule(trainings, days) is met


def test_guidance_months_and_training_share() -> None:
    assert guidance_months_required(2025, date(2026, 12, 1)) == 12
    assert guidance_months_required(2026, date(2026, 12, 1)) == 11
    assert guidance_months_required(2026, date(2026, 1, 20)) == 0
    assert training_share(7, 6) == 1.0 and training_share(0, 12) == 0.0
    assert training_share(7, 12) == 0.5


@pytest.fixture
def people(app: Flask) -> dict[str, Any]:
    township = create_township()
    village = create_village(township)
    return {
        "township": township,
        "village": village,
        "manager": create_user(Role.TOWNSHIP_MANAGER, township=township),
        "doctors": [
            create_user(Role.VILLAGE_DOCTOR, username=f"v{i}", township=township, villages=[village])
            for i in range(3)
        ],
        "facility": create_facility(),
    }


def _training(client: FlaskClient, user: User, starts_on: str, days: int, attendees: list[User]) -> Any:
    body = {
        "starts_on": starts_on,
        "days": days,
        "topic": "高血压规范管理",
        "organiser": "县人民医院",
        "attendee_ids": [str(a.id) for a in attendees],
    }
    return api(client, "POST", "/api/v1/trainings", user, json=body)


def test_two_trainings_totalling_13_days_do_not_meet_the_rule(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    manager, (v0, v1, v2) = people["manager"], people["doctors"]
    assert _training(client, manager, "2026-03-02", 6, [v0, v1]).status_code == 201
    assert _training(client, manager, "2026-09-07", 7, [v0, v1]).status_code == 201
    assert _training(client, manager, "2026-10-12", 1, [v1]).status_code == 201
    assert _training(client, manager, "2025-10-12", 14, [v2]).status_code == 201  # last year
    report = api(client, "GET", "/api/v1/reports/training?year=2026", manager).get_json()
    rows = {row["doctor"]["username"]: row for row in report["doctors"]}
    assert (rows["v0"]["trainings"], rows["v0"]["days"], rows["v0"]["meets_rule"]) == (2, 13, False)
    assert (rows["v1"]["trainings"], rows["v1"]["days"], rows["v1"]["meets_rule"]) == (3, 14, True)
    assert (rows["v2"]["trainings"], rows["v2"]["meets_rule"]) == (0, False)


def test_a_training_is_idempotent_by_id_and_checks_its_attendees(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    manager, doctor = people["manager"], people["doctors"][0]
    body = {
        "id": "6f1c0a39-3a53-4a53-9c53-6d1b1c0a3953",
        "starts_on": "2026-03-02",
        "days": 5,
        "topic": "糖尿病管理",
        "organiser": "县卫健局",
        "attendee_ids": [str(doctor.id)],
    }
    first = api(client, "POST", "/api/v1/trainings", manager, json=body)
    assert first.status_code == 201 and first.get_json()["attendee_ids"] == [str(doctor.id)]
    assert api(client, "POST", "/api/v1/trainings", manager, json=body).status_code == 200
    assert api(client, "POST", "/api/v1/trainings", manager, json={**body, "days": 6}).status_code == 409
    fresh = {k: v for k, v in body.items() if k != "id"}
    too_short = api(client, "POST", "/api/v1/trainings", manager, json={**fresh, "days": 0})
    assert too_short.status_code == 422 and set(too_short.get_json()["error"]["fields"]) == {"days"}
    stranger = create_user(Role.VILLAGE_DOCTOR, township=create_township())
    outsider = api(
        client, "POST", "/api/v1/trainings", manager, json={**fresh, "attendee_ids": [str(stranger.id)]}
    )
    assert outsider.status_code == 422 and set(outsider.get_json()["error"]["fields"]) == {"attendee_ids"}


def _guidance(
    client: FlaskClient, user: User, people: dict[str, Any], on: str, name: str = "刘医生", **extra: Any
) -> Any:
    body = {
        "on": on,
        "staff_name": name,
        "facility_id": str(people["facility"].id),
        "place": "township",
        "township_id": str(people["township"].id),
        "topic": "高血压分级诊疗",
        **extra,
    }
    return api(client, "POST", "/api/v1/guidance-visits", user, json=body)


def test_guidance_at_least_once_a_month(client: FlaskClient, people: dict[str, Any]) -> None:
    manager = people["manager"]
    for month in range(1, 13):
        assert _guidance(client, manager, people, f"2025-{month:02d}-15").status_code == 201
    for month in range(1, 12):
        if month != 6:
            assert (
                _guidance(client, manager, people, f"2025-{month:02d}-10", name="陈医生").status_code == 201
            )
    report = api(client, "GET", "/api/v1/reports/training?year=2025", manager).get_json()
    staff = {row["staff_name"]: row for row in report["guidance"]}
    assert (staff["刘医生"]["months_with_guidance"], staff["刘医生"]["meets_rule"]) == (12, True)
    assert (staff["陈医生"]["months_with_guidance"], staff["陈医生"]["meets_rule"]) == (10, False)


def test_a_village_visit_names_a_village_of_the_township(client: FlaskClient, people: dict[str, Any]) -> None:
    manager = people["manager"]
    missing = _guidance(client, manager, people, "2026-11-05", place="village")
    assert missing.status_code == 422 and "village_id" in missing.get_json()["error"]["fields"]
    elsewhere = create_village(create_township())
    wrong = _guidance(client, manager, people, "2026-11-05", place="village", village_id=str(elsewhere.id))
    assert wrong.status_code == 422 and "village_id" in wrong.get_json()["error"]["fields"]
    right = _guidance(
        client, manager, people, "2026-11-05", place="village", village_id=str(people["village"].id)
    )
    assert right.status_code == 201 and right.get_json()["on"] == "2026-11-05"
