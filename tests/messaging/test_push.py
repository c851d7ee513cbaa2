"""Web Push: VAPID key, subscriptions, and pushes a loopback push service decrypts as a browser would."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask
from flask.testing import FlaskClient
from py_vapid import Vapid02
from sqlalchemy import func, select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.messaging.models import PushDelivery, PushSubscription
from fieldapp.messaging.service import dispatch_pending, queue_push
from tests.builders import api, create_user
from tests.messaging.builders import browser_keys
from tests.messaging.loopback import PushLoopback, jwt_claims, vapid_key_of


def _decoded(key: str) -> bytes:
    return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


def test_the_public_key_is_public_stable_and_an_uncompressed_point(app: Flask, client: FlaskClient) -> None:
    first = client.get("/api/v1/push/vapid-public-key")
    assert first.status_code == 200
    key = first.get_json()["key"]
    raw = _decoded(key)
    assert len(raw) == 65 and raw[0] == 4
    assert "=" not in key
    assert (Path(app.instance_path) / "vapid_private.pem").exists()
    app.extensions.pop("fieldapp_vapid")
    assert client.get("/api/v1/push/vapid-public-key").get_json()["key"] == key


def test_a_configured_key_wins_over_the_generated_one(app: Flask, client: FlaskClient) -> None:
    vapid = Vapid02()
    vapid.generate_keys()
    app.config["VAPID_PRIVATE_KEY"] = vapid.private_pem().decode()
    key = client.get("/api/v1/push/vapid-public-key").get_json()["key"]
    assert _decoded(key) == vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def test_subscriptions_are_per_user_and_device(app: Flask, client: FlaskClient) -> None:
    doctor = create_user(Role.TOWNSHIP_DOCTOR)
    phone, laptop = browser_keys(), browser_keys()
    for name, keys in (("phone", phone), ("laptop", laptop)):
        response = api(
            client,
            "POST",
            "/api/v1/push/subscriptions",
            doctor,
            json=keys.subscription(f"https://push.example/{name}"),
        )
        assert response.status_code == 201
        assert response.get_json()["endpoint"] == f"https://push.example/{name}"
        assert "keys" not in response.get_json()
    again = api(
        client,
        "POST",
        "/api/v1/push/subscriptions",
        doctor,
        json=phone.subscription("https://push.example/phone"),
    )
    assert again.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 2
    gone = api(
        client,
        "DELETE",
        "/api/v1/push/subscriptions",
        doctor,
        json={"endpoint": "https://push.example/phone"},
    )
    assert gone.status_code == 204
    assert [s.endpoint for s in db.session.scalars(select(PushSubscription))] == [
        "https://push.example/laptop"
    ]


def test_bad_subscriptions_are_422(app: Flask, client: FlaskClient) -> None:
    doctor = create_user(Role.TOWNSHIP_DOCTOR)
    good = browser_keys().subscription("https://push.example/x")
    bad_bodies = [
        {**good, "endpoint": "not a url"},
        {**good, "keys": {"p256dh": "short", "auth": good["keys"]["auth"]}},  # type: ignore[index]
        {**good, "keys": {"p256dh": good["keys"]["p256dh"]}},  # type: ignore[index]
        {"endpoint": "https://push.example/x"},
    ]
    for body in bad_bodies:
        response = api(client, "POST", "/api/v1/push/subscriptions", doctor, json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"] == "validation_error"
    assert api(client, "DELETE", "/api/v1/push/subscriptions", doctor, json={}).status_code == 422


def test_a_push_reaches_every_device_encrypted_for_it(
    app: Flask, client: FlaskClient, push_service: PushLoopback
) -> None:
    desk = create_user(Role.REFERRAL_DESK)
    devices = [browser_keys(), browser_keys()]
    for n, keys in enumerate(devices):
        endpoint = push_service.endpoint(f"d{n}", keys)
        api(client, "POST", "/api/v1/push/subscriptions", desk, json=keys.subscription(endpoint))
    delivery = queue_push(
        user_id=desk.id,
        title="转诊R-000123",
        body="青山镇新转诊R-000123（急诊）至县人民医院，请尽快接收。",
        url="/console/referrals/1",
        urgency="high",
        dedupe_key="referral:1:created:push",
    )
    assert delivery is not None
    db.session.commit()
    dispatch_pending()
    assert len(push_service.received) == 2
    public_key = client.get("/api/v1/push/vapid-public-key").get_json()["key"]
    for received in push_service.received:
        assert received.payload == {
            "title": "转诊R-000123",
            "body": "青山镇新转诊R-000123（急诊）至县人民医院，请尽快接收。",
            "url": "/console/referrals/1",
        }
        assert received.headers["urgency"] == "high"
        assert int(received.headers["ttl"]) > 0
        assert vapid_key_of(received.headers["authorization"]) == public_key
        assert jwt_claims(received.headers["authorization"])["aud"] == push_service.url
    assert db.session.get(PushDelivery, delivery.id).status == "sent"


def test_one_push_per_dedupe_key_and_none_without_devices(app: Flask, push_service: PushLoopback) -> None:
    user = create_user(Role.TOWNSHIP_MANAGER)
    assert queue_push(user_id=user.id, title="t", body="b", url="/", dedupe_key="k") is None
    keys = browser_keys()
    db.session.add(
        PushSubscription(
            user_id=user.id, endpoint=push_service.endpoint("m", keys), p256dh=keys.p256dh, auth=keys.auth
        )
    )
    db.session.commit()
    first = queue_push(user_id=user.id, title="t", body="b", url="/", dedupe_key="k")
    db.session.commit()
    second = queue_push(user_id=user.id, title="t", body="b", url="/", dedupe_key="k")
    db.session.commit()
    dispatch_pending()
    assert first is not None and second is not None and first.id == second.id
    assert len(push_service.received) == 1


def test_a_gone_subscription_is_forgotten(app: Flask, push_service: PushLoopback) -> None:
    user = create_user(Role.TOWNSHIP_MANAGER)
    keys = browser_keys()
    endpoint = push_service.endpoint("old", keys)
    push_service.statuses[endpoint] = 410
    db.session.add(PushSubscription(user_id=user.id, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth))
    db.session.commit()
    queue_push(user_id=user.id, title="t", body="b", url="/", dedupe_key="k")
    db.session.commit()
    dispatch_pending()
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
    assert db.session.scalars(select(PushDelivery)).one().status == "failed"


def test_an_unreachable_push_service_is_retried(app: Flask, push_service: PushLoopback) -> None:
    from fieldapp.messaging.clients import RetryableDeliveryError
    from fieldapp.messaging.service import send_push_delivery

    user = create_user(Role.TOWNSHIP_MANAGER)
    keys = browser_keys()
    endpoint = push_service.endpoint("busy", keys)
    push_service.statuses[endpoint] = 503
    db.session.add(PushSubscription(user_id=user.id, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth))
    db.session.commit()
    delivery = queue_push(user_id=user.id, title="t", body="b", url="/", dedupe_key="k")
    db.session.commit()
    assert delivery is not None
    with pytest.raises(RetryableDeliveryError):
        send_push_delivery(delivery.id)
    assert db.session.get(PushDelivery, delivery.id).status == "queued"
    push_service.statuses[endpoint] = 201
    assert send_push_delivery(delivery.id) == "sent"
    assert len(push_service.received) == 1


def test_a_push_left_sending_by_a_dead_worker_goes_again(app: Flask, push_service: PushLoopback) -> None:
    from datetime import timedelta

    from fieldapp.messaging.service import release_due

    user = create_user(Role.TOWNSHIP_MANAGER)
    keys = browser_keys()
    db.session.add(
        PushSubscription(
            user_id=user.id, endpoint=push_service.endpoint("p", keys), p256dh=keys.p256dh, auth=keys.auth
        )
    )
    db.session.commit()
    delivery = queue_push(user_id=user.id, title="t", body="b", url="/", dedupe_key="k")
    assert delivery is not None
    delivery.status = "sending"
    db.session.commit()
    db.session.info.clear()
    release_due(delivery.created_at + timedelta(minutes=5))
    assert push_service.received == []
    release_due(delivery.created_at + timedelta(minutes=11))
    assert len(push_service.received) == 1
    assert db.session.get(PushDelivery, delivery.id).status == "sent"
