"""Push endpoints cannot reach inside the network (SSRF), and a subscription belongs to its creator.

An internal service is a real listener on loopback: whatever happens, it must receive nothing.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.messaging.clients import push as push_client
from fieldapp.messaging.models import PushDelivery, PushSubscription
from fieldapp.messaging.service import dispatch_pending, queue_push
from tests.builders import api, create_user
from tests.messaging.builders import browser_keys
from tests.messaging.loopback import PushLoopback


class Listener:
    """An HTTP server on loopback recording every request it gets; it answers ``status``."""

    def __init__(self, status: int = 200, location: str | None = None) -> None:
        self.requests: list[tuple[str, str]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                listener.requests.append((self.command, self.path))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def internal() -> Iterator[Listener]:
    """An internal service (think of a cloud metadata endpoint) that must never be reached."""
    server = Listener()
    yield server
    server.close()


def _subscribe(client: FlaskClient, user: User, endpoint: str) -> Any:
    return api(client, "POST", "/api/v1/push/subscriptions", user, json=browser_keys().subscription(endpoint))


def _push_to(user: User) -> PushDelivery:
    delivery = queue_push(user_id=user.id, title="t", body="b", url="/", dedupe_key=f"k:{user.id}")
    assert delivery is not None
    db.session.commit()
    dispatch_pending()
    db.session.refresh(delivery)
    return delivery


def test_endpoints_inside_the_network_are_refused_and_never_called(
    app: Flask, client: FlaskClient, internal: Listener
) -> None:
    doctor = create_user(Role.TOWNSHIP_DOCTOR)
    port = internal.port
    endpoints = [
        f"{internal.url}/push/x",
        f"https://127.0.0.1:{port}/push/x",
        f"http://2130706433:{port}/push/x",  # 127.0.0.1 as a decimal number
        f"http://0x7f000001:{port}/push/x",  # ... in hex
        f"http://127.1:{port}/push/x",  # ... shortened
        f"http://[::1]:{port}/push/x",
        "https://169.254.169.254/latest/meta-data/",
        f"https://localhost:{port}/push/x",
        "https://push.example.evil.test/x",  # not a configured push service
        "https://push.example.com.evil.test/x",
        "https://user@push.example.com/x",
        "ftp://push.example.com/x",
    ]
    for configured in (None, app.config["FIELDAPP_PUSH_HOSTS"]):
        app.config["FIELDAPP_PUSH_HOSTS"] = configured
        for endpoint in endpoints:
            response = _subscribe(client, doctor, endpoint)
            assert response.status_code == 422, (configured, endpoint)
            assert "endpoint" in response.get_json()["error"]["fields"], endpoint
    assert db.session.scalars(select(PushSubscription)).all() == []
    assert internal.requests == []


def test_a_push_service_name_resolving_inside_the_network_is_refused(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The browsers' own services (the default), with a DNS answer pointing one of them at loopback.
    app.config["FIELDAPP_PUSH_HOSTS"] = None
    real = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "fcm.googleapis.com":
            return real("127.0.0.1", *args, **kwargs)
        if host == "updates.push.services.mozilla.com":
            return real("93.184.215.14", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(push_client.socket, "getaddrinfo", resolve)
    doctor = create_user(Role.TOWNSHIP_DOCTOR)
    refused = _subscribe(client, doctor, "https://fcm.googleapis.com/fcm/send/abc")
    assert refused.status_code == 422
    assert "private address" in refused.get_json()["error"]["fields"]["endpoint"][0]
    assert (
        _subscribe(client, doctor, "https://updates.push.services.mozilla.com/wpush/v2/abc").status_code
        == 201
    )


def test_an_endpoint_stored_before_the_check_is_refused_at_send_time(
    app: Flask, internal: Listener, push_service: PushLoopback
) -> None:
    manager = create_user(Role.TOWNSHIP_MANAGER)
    keys = browser_keys()
    for endpoint in (f"{internal.url}/latest/meta-data", push_service.endpoint("good", keys)):
        db.session.add(
            PushSubscription(user_id=manager.id, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
        )
    db.session.commit()
    delivery = _push_to(manager)
    assert internal.requests == []
    assert len(push_service.received) == 1
    assert delivery.status == "sent"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_push_services_redirect_is_never_followed(app: Flask, internal: Listener, status: int) -> None:
    redirecting = Listener(status, location=f"{internal.url}/latest/meta-data")
    try:
        app.config["FIELDAPP_PUSH_HOSTS"] = redirecting.url
        manager = create_user(Role.TOWNSHIP_MANAGER)
        keys = browser_keys()
        db.session.add(
            PushSubscription(
                user_id=manager.id, endpoint=f"{redirecting.url}/push/1", p256dh=keys.p256dh, auth=keys.auth
            )
        )
        db.session.commit()
        delivery = _push_to(manager)
        assert [method for method, _path in redirecting.requests] == ["POST"]
        assert internal.requests == []
        assert delivery.status == "failed"
    finally:
        redirecting.close()


def test_another_users_endpoint_is_a_conflict_and_stays_with_its_owner(
    app: Flask, client: FlaskClient
) -> None:
    owner = create_user(Role.REFERRAL_DESK)
    other = create_user(Role.TOWNSHIP_DOCTOR)
    endpoint = "https://push.example.com/desk-browser"
    assert _subscribe(client, owner, endpoint).status_code == 201
    taken = _subscribe(client, other, endpoint)
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "conflict"
    assert db.session.scalars(select(PushSubscription.user_id)).all() == [owner.id]
    # Its owner may post it again (keys renewed) and remove it; the other user removes nothing.
    assert _subscribe(client, owner, endpoint).status_code == 201
    api(client, "DELETE", "/api/v1/push/subscriptions", other, json={"endpoint": endpoint})
    assert db.session.scalars(select(PushSubscription.user_id)).all() == [owner.id]


def test_a_name_that_resolves_inside_the_network_after_the_check_is_not_connected_to(
    app: Flask, internal: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the push service's name answers a public address when checked, then loopback.
    app.config["FIELDAPP_PUSH_HOSTS"] = f"http://*.push.fieldapp.test:{internal.port}"
    real = socket.getaddrinfo
    answers = iter(["93.184.215.14"])

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".push.fieldapp.test"):
            return real(next(answers, "127.0.0.1"), *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    manager = create_user(Role.TOWNSHIP_MANAGER)
    keys = browser_keys()
    endpoint = f"http://a.push.fieldapp.test:{internal.port}/push/1"
    db.session.add(
        PushSubscription(user_id=manager.id, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
    )
    db.session.commit()
    delivery = queue_push(user_id=manager.id, title="t", body="b", url="/", dedupe_key="rebind")
    assert delivery is not None
    db.session.commit()
    from fieldapp.messaging.clients import RetryableDeliveryError
    from fieldapp.messaging.service import send_push_delivery

    with pytest.raises(RetryableDeliveryError):
        send_push_delivery(delivery.id)
    assert internal.requests == []


def test_push_hosts_are_read_at_start(make_app: Any) -> None:
    from fieldapp.config import ConfigError

    hosts = push_client.push_hosts(
        "push.example.org:8443, http://10.1.2.3:8080 ,*.notify.windows.com,https://push.example.net"
    )
    assert [(h.host, h.port, h.plain_http, h.trusted) for h in hosts] == [
        ("push.example.org", 8443, False, True),
        ("10.1.2.3", 8080, True, True),
        ("*.notify.windows.com", 443, False, False),
        ("push.example.net", 443, False, True),
    ]
    assert all(not h.trusted for h in push_client.push_hosts(None))
    with pytest.raises(ConfigError):
        make_app(FIELDAPP_PUSH_HOSTS="push.example.org/path")
