"""Replies on the phone: a household phone's reply reaches every resident of that number, in every
township that manages one; GET /api/v1/replies, read marks, and the sync pull (API.md v2)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.console.replies import mark_replies_read, unread_replies
from fieldapp.extensions import db
from fieldapp.messaging.models import InboundMessage
from fieldapp.replies.models import Reply
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.messaging.test_webhooks import reply

PHONE = "+8613912345678"


def pull(client: FlaskClient, user: Any, since: str | None = None) -> dict[str, Any]:
    response = api(client, "post", "/api/v1/sync", user, json={"records": [], "since": since})
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


def household(app: Flask) -> dict[str, Any]:
    """An old couple in one village and their son, in another township, sharing the son's phone."""
    east, west = create_township(name="东镇"), create_township(name="西镇")
    village, far = create_village(east), create_village(west)
    return {
        "mother": create_resident(village, name="王大娘", phone=PHONE),
        "father": create_resident(village, name="李大爷", phone=PHONE),
        "son": create_resident(far, name="李小明", phone=PHONE),
        "east_doctor": create_user(Role.VILLAGE_DOCTOR, township=east, villages=[village]),
        "west_doctor": create_user(Role.VILLAGE_DOCTOR, township=west, villages=[far]),
    }


def test_a_reply_belongs_to_every_resident_of_the_number_in_every_township(client, app):
    h = household(app)
    assert reply(client, PHONE, "头晕得厉害，明天能来看看吗").status_code == 200
    kept = db.session.scalars(select(Reply)).one()
    assert {link.resident_id for link in kept.residents} == {h["mother"].id, h["father"].id, h["son"].id}

    east = api(client, "get", "/api/v1/replies", h["east_doctor"]).json
    assert [item["body"] for item in east["items"]] == ["头晕得厉害，明天能来看看吗"]
    assert set(east["items"][0]["resident_ids"]) == {str(h["mother"].id), str(h["father"].id)}
    assert east["items"][0]["from"] == PHONE and east["items"][0]["read_at"] is None
    west = api(client, "get", "/api/v1/replies", h["west_doctor"]).json
    assert west["items"][0]["resident_ids"] == [str(h["son"].id)]


def test_opt_outs_and_confirmations_are_not_kept_as_replies(client, app):
    household(app)
    for body in ("TD", "1", "START"):
        reply(client, PHONE, body)
    assert db.session.scalars(select(Reply)).all() == []


def test_unread_and_resident_filters_and_a_read_mark_for_everyone(client, app):
    h = household(app)
    reply(client, PHONE, "药吃完了")
    reply(client, PHONE, "下周回来")
    east = h["east_doctor"]
    first = api(client, "get", f"/api/v1/replies?resident_id={h['mother'].id}&unread=true", east).json
    assert first["total"] == 2
    newest = first["items"][0]
    assert newest["body"] == "下周回来"

    marked = api(client, "post", f"/api/v1/replies/{newest['id']}/read", east, json={})
    assert marked.status_code == 200 and marked.json["read_at"] is not None
    again = api(client, "post", f"/api/v1/replies/{newest['id']}/read", east, json={})
    assert again.json["read_at"] == marked.json["read_at"]
    # Read for everyone: the other township's doctor and the console's copy too.
    west_unread = api(client, "get", "/api/v1/replies?unread=true", h["west_doctor"]).json
    assert [item["body"] for item in west_unread["items"]] == ["药吃完了"]
    inbound = db.session.scalars(select(InboundMessage).where(InboundMessage.body == "下周回来")).one()
    assert inbound.read_at is not None

    stranger = create_user(Role.VILLAGE_DOCTOR, township=create_township(), villages=[])
    assert api(client, "post", f"/api/v1/replies/{newest['id']}/read", stranger, json={}).status_code == 404
    assert api(client, "get", "/api/v1/replies?unread=maybe", east).status_code == 422


def test_replies_and_changed_opt_outs_come_in_the_pull(client, app):
    h = household(app)
    doctor = h["east_doctor"]
    first = pull(client, doctor)
    assert first["changes"]["replies"] == []
    cursor = first["cursor"]

    reply(client, PHONE, "头晕")
    reply(client, PHONE, "TD")
    later = pull(client, doctor, cursor)
    assert [row["body"] for row in later["changes"]["replies"]] == ["头晕"]
    assert set(later["changes"]["replies"][0]["resident_ids"]) == {str(h["mother"].id), str(h["father"].id)}
    opted = {row["id"]: row["opted_out"] for row in later["changes"]["residents"]}
    assert opted == {str(h["mother"].id): True, str(h["father"].id): True}

    # A read mark comes again too; nothing changed comes nothing.
    quiet = pull(client, doctor, later["cursor"])
    assert all(rows == [] for rows in quiet["changes"].values())
    api(client, "post", f"/api/v1/replies/{later['changes']['replies'][0]['id']}/read", doctor, json={})
    read = pull(client, doctor, quiet["cursor"])
    assert read["changes"]["replies"][0]["read_at"]


def test_a_reply_read_in_the_console_is_read_on_the_phones_too(client, app):
    h = household(app)
    reply(client, PHONE, "药吃完了")
    doctor = h["east_doctor"]
    cursor = pull(client, doctor)["cursor"]
    manager = create_user(Role.TOWNSHIP_MANAGER, township=doctor.township)
    inbound = db.session.scalars(select(InboundMessage)).one()
    assert [r.id for r, _resident in unread_replies(manager, doctor.township_id)] == [inbound.id, inbound.id]
    assert mark_replies_read(manager, doctor.township_id, [inbound.id]) == 1
    changed = pull(client, doctor, cursor)["changes"]["replies"]
    assert changed[0]["read_at"] is not None
    assert unread_replies(manager, doctor.township_id) == []
