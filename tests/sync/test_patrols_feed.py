"""The ``patrols`` feed of the pull (API.md v2): the caller's coming patrols, by change sequence."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from fieldapp.auth.models import Role, User
from fieldapp.sync.service import FEEDS
from fieldapp.timeutil import local_today
from tests.builders import api, create_township, create_user, create_village
from tests.patrols.builders import create_patrol
from tests.sync.test_feed_ranks import first_edition_cursor


def pull(client: FlaskClient, user: User, since: str | None = None) -> Any:
    response = api(client, "post", "/api/v1/sync", user, json={"records": [], "since": since})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _plan(client: FlaskClient, manager: User, village: Any, team: list[User], days_ahead: int) -> Any:
    body = {
        "id": str(uuid.uuid4()),
        "village_id": str(village.id),
        "date": (local_today() + timedelta(days=days_ahead)).isoformat(),
        "team": [str(member.id) for member in team],
    }
    answer = api(client, "post", "/api/v1/patrols", manager, json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_coming_patrols_come_in_the_pull_and_again_when_changed(client: FlaskClient) -> None:
    assert {feed.name: feed.rank for feed in FEEDS}["patrols"] == 6
    township, elsewhere = create_township(), create_township(name="白水乡")
    village, far = create_village(township), create_village(elsewhere, name="西村")
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    village_doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    stranger = create_user(Role.VILLAGE_DOCTOR, township=elsewhere, villages=[far])
    create_patrol(village, on=local_today() - timedelta(days=3), team=[str(doctor.id)])  # over: not sent
    coming = _plan(client, manager, village, [manager, doctor], 5)

    first = pull(client, doctor)
    assert [row["id"] for row in first["changes"]["patrols"]] == [coming["id"]]
    assert first["changes"]["patrols"][0]["team"] == [str(manager.id), str(doctor.id)]
    # The village's own doctor sees the patrols of their village; another township's never.
    assert [row["id"] for row in pull(client, village_doctor)["changes"]["patrols"]] == [coming["id"]]
    assert pull(client, stranger)["changes"]["patrols"] == []

    # Nothing new: nothing sent. Cancelled: sent again, cancelled.
    assert pull(client, doctor, first["cursor"])["changes"]["patrols"] == []
    cancelled = api(
        client, "post", f"/api/v1/patrols/{coming['id']}/cancel", manager, json={"reason": "下雨"}
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    again = pull(client, doctor, first["cursor"])["changes"]["patrols"]
    assert [(row["id"], row["status"]) for row in again] == [(coming["id"], "cancelled")]


def test_a_cursor_saved_before_the_feed_existed_still_pulls_patrols(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    seen = pull(client, doctor)
    # A first-edition cursor at the last sequence value the phone had seen (rank 3, referrals).
    saved = first_edition_cursor(0, 3, uuid.UUID(int=0))
    coming = _plan(client, manager, village, [doctor], 2)
    assert [row["id"] for row in pull(client, doctor, saved)["changes"]["patrols"]] == [coming["id"]]
    assert [row["id"] for row in pull(client, doctor, seen["cursor"])["changes"]["patrols"]] == [coming["id"]]
