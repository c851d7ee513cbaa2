"""Stationed service (驻村), and changing or cancelling a patrol before it starts, with the correction SMS."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.messaging.clock import frozen_at
from fieldapp.messaging.models import Message
from fieldapp.messaging.reminders import scan
from fieldapp.timeutil import local_today, local_zone
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.messaging.builders import create_enrollment


def _world() -> dict[str, object]:
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    resident = create_resident(village, name="王芳")
    create_enrollment(resident, local_today() + timedelta(days=60))
    create_enrollment(
        create_resident(village, name="李静", sms_consent=False), local_today() + timedelta(days=60)
    )
    return {
        "village": village,
        "resident": resident,
        "manager": create_user(Role.TOWNSHIP_MANAGER, township=township),
        "doctor": create_user(Role.TOWNSHIP_DOCTOR, township=township),
    }


def _messages(prefix: str) -> list[Message]:
    db.session.expire_all()
    query = select(Message).where(Message.dedupe_key.like(f"{prefix}%")).order_by(Message.created_at)
    return list(db.session.scalars(query))


def _scan_on(day: object) -> None:
    with frozen_at(datetime.combine(day, time(9, 0), tzinfo=local_zone())):  # type: ignore[arg-type]
        scan()


def test_a_stationing_is_announced_changed_and_cancelled_with_one_correction_each(
    client: FlaskClient, app: Flask
) -> None:
    w = _world()
    manager, village = w["manager"], w["village"]
    first = local_today() + timedelta(days=2)
    body = {
        "kind": "stationing",
        "village_id": str(village.id),  # type: ignore[attr-defined]
        "date": first.isoformat(),
        "until": (first + timedelta(days=13)).isoformat(),
        "team": [str(w["doctor"].id)],  # type: ignore[attr-defined]
    }
    created = api(client, "post", "/api/v1/patrols", manager, json=body)
    assert created.status_code == 201, created.json
    patrol = created.json
    assert (patrol["kind"], patrol["status"], patrol["until"]) == ("stationing", "planned", body["until"])

    _scan_on(first - timedelta(days=1))  # the day before it starts: the village's consenting residents
    [notice] = _messages("patrol:")
    assert notice.resident_id == w["resident"].id  # type: ignore[attr-defined]
    assert "驻村服务" in notice.body and "东村" in notice.body

    later = first + timedelta(days=3)
    path = f"/api/v1/patrols/{patrol['id']}"
    changed = api(client, "patch", path, manager, json={"date": later.isoformat()})
    assert changed.status_code == 200, changed.json
    assert changed.json["date"] == later.isoformat() and changed.json["status"] == "planned"
    # Only the note changes: nobody needs a correction.
    assert api(client, "patch", path, manager, json={"note": "带血压计"}).status_code == 200
    [moved] = _messages("patrol-correction:")
    assert moved.resident_id == w["resident"].id  # type: ignore[attr-defined]
    assert moved.body.startswith("【青山镇卫生院】更正") and f"{later.month}月{later.day}日" in moved.body
    assert moved.kind == "patrol"

    cancelled = api(client, "post", f"{path}/cancel", manager, json={"reason": "暴雨"})
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled" and cancelled.json["cancel_reason"] == "暴雨"
    corrections = _messages("patrol-correction:")
    assert len(corrections) == 2 and "取消" in corrections[-1].body

    # Once cancelled, nothing more may change, and nobody is told twice.
    again = api(client, "post", f"{path}/cancel", manager, json={"reason": "暴雨"})
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"
    assert api(client, "patch", path, manager, json={"note": "x"}).status_code == 409
    assert len(_messages("patrol-correction:")) == 2
    # A cancelled patrol is never announced.
    _scan_on(later - timedelta(days=1))
    assert len(_messages("patrol:")) == 1


def test_nothing_changes_once_a_patrol_has_started(client: FlaskClient, app: Flask) -> None:
    w = _world()
    today = local_today()
    body = {
        "kind": "stationing",
        "village_id": str(w["village"].id),  # type: ignore[attr-defined]
        "date": today.isoformat(),
        "until": (today + timedelta(days=5)).isoformat(),
        "team": [str(w["doctor"].id)],  # type: ignore[attr-defined]
    }
    patrol = api(client, "post", "/api/v1/patrols", w["manager"], json=body).json
    path = f"/api/v1/patrols/{patrol['id']}"
    started = api(
        client, "patch", path, w["manager"], json={"until": (today + timedelta(days=9)).isoformat()}
    )
    assert started.status_code == 409 and started.json["error"]["code"] == "invalid_transition"
    cancel = api(client, "post", f"{path}/cancel", w["manager"], json={"reason": "x"})
    assert cancel.status_code == 409


def test_periods_are_checked(client: FlaskClient, app: Flask) -> None:
    w = _world()
    first = local_today() + timedelta(days=3)
    base = {
        "village_id": str(w["village"].id),  # type: ignore[attr-defined]
        "date": first.isoformat(),
        "team": [str(w["doctor"].id)],  # type: ignore[attr-defined]
    }
    post = lambda body: api(client, "post", "/api/v1/patrols", w["manager"], json=body)  # noqa: E731
    assert post({**base, "kind": "stationing"}).json["error"]["fields"]["until"]
    before = post({**base, "kind": "stationing", "until": (first - timedelta(days=1)).isoformat()})
    assert before.status_code == 422 and "until" in before.json["error"]["fields"]
    one_day = post({**base, "until": (first + timedelta(days=2)).isoformat()})
    assert one_day.status_code == 422  # a patrol has no last day of its own
    assert post({**base, "kind": "holiday"}).status_code == 422
    patrol = post(base).json
    assert patrol["kind"] == "patrol" and patrol["until"] is None
    past = api(
        client,
        "patch",
        f"/api/v1/patrols/{patrol['id']}",
        w["manager"],
        json={"date": (local_today() - timedelta(days=1)).isoformat()},
    )
    assert past.status_code == 422 and "date" in past.json["error"]["fields"]
    assert (
        api(client, "post", f"/api/v1/patrols/{patrol['id']}/cancel", w["manager"], json={}).status_code
        == 422
    )


def test_a_stationing_is_listed_while_any_of_its_days_is_in_range(client: FlaskClient, app: Flask) -> None:
    w = _world()
    first = local_today() + timedelta(days=1)
    body = {
        "kind": "stationing",
        "village_id": str(w["village"].id),  # type: ignore[attr-defined]
        "date": first.isoformat(),
        "until": (first + timedelta(days=20)).isoformat(),
        "team": [str(w["doctor"].id)],  # type: ignore[attr-defined]
    }
    api(client, "post", "/api/v1/patrols", w["manager"], json=body)
    inside = (first + timedelta(days=10)).isoformat()
    listed = api(client, "get", f"/api/v1/patrols?from={inside}&to={inside}", w["manager"])
    assert listed.json["total"] == 1
