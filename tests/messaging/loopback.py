"""Loopback services the real clients talk to: Twilio's Messages API and a Web Push service.

Both are real HTTP servers on 127.0.0.1; nothing inside twilio or pywebpush is mocked.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import http_ece

from fieldapp.timeutil import utcnow
from tests.messaging.builders import BrowserKeys


class _Quiet(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body go as separate writes: no 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _reply(self, status: int, body: dict[str, Any] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@dataclass
class Answer:
    """How the loopback Twilio answers one create request."""

    status: int = 201
    code: int | None = None
    hang: bool = False  # record the message, then never answer (the worker dies meanwhile)


@dataclass
class TwilioState:
    """What the loopback Twilio has received, and how it will answer next."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    plan: list[Answer] = field(default_factory=list)
    hanging: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class TwilioLoopback:
    """``POST/GET /2010-04-01/Accounts/{sid}/Messages.json`` as Twilio answers them."""

    def __init__(self) -> None:
        self.state = state = TwilioState()

        class Handler(_Quiet):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with state.lock:
                    state.attempts += 1
                    answer = state.plan.pop(0) if state.plan else Answer()
                    if answer.status < 300:
                        resource = _resource(self.path, form)
                        state.messages.append(resource)
                if answer.hang:
                    state.hanging.set()
                    state.release.wait(30)
                    return
                if answer.status >= 300:
                    body = {"code": answer.code, "message": f"error {answer.code}", "status": answer.status}
                    self._reply(answer.status, body)
                    return
                self._reply(201, resource)

            def do_GET(self) -> None:
                query = parse_qs(urlparse(self.path).query)
                to = query.get("To", [None])[0]
                with state.lock:
                    found = [m for m in state.messages if to is None or m["to"] == to]
                self._reply(200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.state.release.set()
        self.server.shutdown()
        self.server.server_close()


def _resource(path: str, form: dict[str, str]) -> dict[str, Any]:
    account = path.split("/")[3]
    sid = "SM" + uuid.uuid4().hex
    return {
        "sid": sid,
        "account_sid": account,
        "to": form.get("To"),
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "body": form.get("Body"),
        "status": "queued",
        "status_callback": form.get("StatusCallback"),
        "num_segments": "1",
        "date_created": format_datetime(utcnow(), usegmt=True),
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
    }


@dataclass
class Received:
    """One push as the browser would see it after decryption."""

    endpoint: str
    headers: dict[str, str]
    payload: dict[str, Any]


class PushLoopback:
    """A Web Push service: decrypts each push (aes128gcm) with the subscriber's own keys."""

    def __init__(self) -> None:
        self.browsers: dict[str, BrowserKeys] = {}
        self.statuses: dict[str, int] = {}
        self.received: list[Received] = []
        loopback = self

        class Handler(_Quiet):
            def do_POST(self) -> None:
                endpoint = loopback.url + self.path
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = loopback.statuses.get(endpoint, 201)
                if status == 201:
                    browser = loopback.browsers[endpoint]
                    plain = http_ece.decrypt(
                        body,
                        private_key=browser.private_key,
                        auth_secret=browser.auth_secret,
                        version="aes128gcm",
                    )
                    loopback.received.append(
                        Received(endpoint, dict(self.headers.items()), json.loads(plain))
                    )
                self._reply(status)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def endpoint(self, name: str, browser: BrowserKeys) -> str:
        """A new endpoint at this service for the browser holding ``browser``'s keys."""
        url = f"{self.url}/push/{name}"
        self.browsers[url] = browser
        return url

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def vapid_key_of(authorization: str) -> str:
    """The ``k=`` (public key) of a ``vapid t=..., k=...`` Authorization header."""
    parts = dict(part.strip().split("=", 1) for part in authorization.removeprefix("vapid ").split(","))
    return parts["k"]


def jwt_claims(authorization: str) -> dict[str, Any]:
    """The claims of the VAPID JWT (unverified: the test checks aud and sub)."""
    token = dict(part.strip().split("=", 1) for part in authorization.removeprefix("vapid ").split(","))["t"]
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]
