"""Web Push through pywebpush, signed with the deployment's VAPID key."""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import socket
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from flask import Flask
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from fieldapp.config import ConfigError
from fieldapp.messaging.clients import GoneSubscriptionError, PermanentDeliveryError, RetryableDeliveryError

VAPID_KEY_FILE = "vapid_private.pem"


@dataclass(frozen=True)
class VapidKeys:
    """The signing key, and the public key browsers subscribe with."""

    vapid: Vapid02
    public_key: str  # applicationServerKey: urlsafe base64 of the uncompressed point, no padding
    subject: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _public_key_of(vapid: Vapid02) -> str:
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(point)


def load_vapid_keys(config: dict[str, Any], instance_path: str) -> VapidKeys:
    """Keys from ``VAPID_PRIVATE_KEY``, else from the instance folder, generated on first run."""
    configured = config.get("VAPID_PRIVATE_KEY")
    if configured:
        # PEM as py_vapid writes it, or the URL-safe base64 raw/DER key web-push tools print.
        pem = configured.startswith("-----BEGIN")
        vapid = Vapid02.from_pem(configured.encode()) if pem else Vapid02.from_string(configured)
    else:
        path = Path(instance_path) / VAPID_KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fresh = Vapid02()
            fresh.generate_keys()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(fresh.private_pem())
        vapid = Vapid02.from_file(str(path))
    return VapidKeys(
        vapid=vapid,
        public_key=config.get("VAPID_PUBLIC_KEY") or _public_key_of(vapid),
        subject=config["VAPID_SUBJECT"],
    )


@dataclass(frozen=True)
class Subscription:
    """Where one browser receives pushes, and its encryption keys."""

    endpoint: str
    p256dh: str
    auth: str


# The browsers' own push services: Chrome (FCM), Firefox (Mozilla), Safari (Apple), Edge (WNS).
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    "*.notify.windows.com",
)


@dataclass(frozen=True)
class PushHost:
    """One push service a subscription's endpoint may name (an entry of ``FIELDAPP_PUSH_HOSTS``)."""

    host: str  # lower case; "*.example.com" for any name under example.com
    port: int
    plain_http: bool  # "http://host[:port]": plain http allowed (a self-hosted or test service)
    trusted: bool  # named exactly by the operator: its addresses may be private

    def matches(self, scheme: str, host: str, port: int) -> bool:
        """Whether an endpoint at ``scheme://host:port`` is at this push service."""
        if scheme != "https" and not self.plain_http:
            return False
        named = host.endswith(self.host[1:]) if self.host.startswith("*.") else host == self.host
        return named and port == self.port


class RefusedEndpointError(ValueError):
    """An endpoint the server will not send to (not a configured push service, or a private address)."""


@lru_cache(maxsize=8)
def push_hosts(configured: str | None) -> tuple[PushHost, ...]:
    """The push services of ``FIELDAPP_PUSH_HOSTS`` (comma-separated), else the browsers' own."""
    entries = [e.strip() for e in configured.split(",") if e.strip()] if configured else []
    hosts = []
    for entry in entries or DEFAULT_PUSH_HOSTS:
        plain_http = entry.lower().startswith("http://")
        parsed = urlsplit(entry if "://" in entry else f"https://{entry}")
        if parsed.scheme not in ("http", "https") or parsed.hostname is None or parsed.path not in ("", "/"):
            raise ValueError(f"FIELDAPP_PUSH_HOSTS: not host[:port] or http://host[:port]: {entry!r}")
        port = parsed.port or (80 if plain_http else 443)
        wildcard = parsed.hostname.startswith("*.")
        hosts.append(PushHost(parsed.hostname, port, plain_http, bool(entries) and not wildcard))
    return tuple(hosts)


def _is_ip_literal(host: str) -> bool:
    """Any spelling of an address: dotted, IPv6, and the decimal, hex, octal and short
    forms (``2130706433``, ``0x7f000001``, ``127.1``) that resolvers accept."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
        return True
    except OSError:
        return False


def _private_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to that are not public (loopback, private, link-local, reserved)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise RefusedEndpointError(f"the push service's name does not resolve: {error}") from None
    found = {str(info[4][0]) for info in infos}
    return sorted(a for a in found if not ipaddress.ip_address(a.split("%")[0]).is_global)


def check_endpoint(endpoint: str, hosts: tuple[PushHost, ...]) -> None:
    """Raise RefusedEndpointError unless ``endpoint`` is at a configured push service on a public address.

    An IP literal, or a name resolving to a loopback, private, link-local or reserved
    address, is refused unless the operator named exactly that host in ``FIELDAPP_PUSH_HOSTS``.
    """
    try:
        parsed = urlsplit(endpoint)
        scheme, host = parsed.scheme.lower(), (parsed.hostname or "").rstrip(".")
        port = parsed.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise RefusedEndpointError("not a URL") from None
    if (
        scheme not in ("https", "http")
        or not host
        or parsed.username is not None
        or parsed.password is not None
    ):
        raise RefusedEndpointError("must be an https URL of a push service")
    entry = next((h for h in hosts if h.matches(scheme, host, port)), None)
    if entry is None:
        raise RefusedEndpointError("not at a push service this server sends to (FIELDAPP_PUSH_HOSTS)")
    if entry.trusted:
        return
    if _is_ip_literal(host):
        raise RefusedEndpointError("must name the push service, not an IP address")
    private = _private_addresses(host, port)
    if private:
        raise RefusedEndpointError(f"the push service resolves to a private address ({', '.join(private)})")


class _NoRedirects(requests.Session):
    """A session that never follows a redirect: a push service answering 3xx has refused."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send as requests would, without following redirects."""
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


def _refuse_private_peer(connection: HTTPConnection, sock: socket.socket, trusted: frozenset[str]) -> None:
    """Close a connection that reached a non-public address, whatever the name said when checked
    (a name may resolve to a public address for the check and to an internal one a moment later)."""
    if connection.host.lower() in trusted:
        return
    peer = str(sock.getpeername()[0])
    if not ipaddress.ip_address(peer.split("%")[0]).is_global:
        sock.close()
        raise NewConnectionError(connection, f"{connection.host} connected to a private address ({peer})")


def _peer_checking_adapter(hosts: tuple[PushHost, ...]) -> HTTPAdapter:
    """An adapter whose every new connection is checked for where it actually went."""
    trusted = frozenset(h.host for h in hosts if h.trusted)

    class CheckedHTTP(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            _refuse_private_peer(self, sock, trusted)
            return sock

    class CheckedHTTPS(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            _refuse_private_peer(self, sock, trusted)
            return sock

    class CheckedHTTPPool(HTTPConnectionPool):
        ConnectionCls = CheckedHTTP

    class CheckedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = CheckedHTTPS

    adapter = HTTPAdapter()
    adapter.poolmanager.pool_classes_by_scheme = {"http": CheckedHTTPPool, "https": CheckedHTTPSPool}
    return adapter


class WebPushClient:
    """Sends encrypted Web Push messages (RFC 8291, aes128gcm) with VAPID (RFC 8292).

    Only to endpoints at the configured push services, re-checked at every send (a name
    may come to resolve elsewhere, the setting may change), over connections refused when
    they reach an internal address after all, and never following a redirect.
    """

    def __init__(self, keys: VapidKeys, hosts: tuple[PushHost, ...], timeout: float = 10.0) -> None:
        self._keys = keys
        self._hosts = hosts
        self._timeout = timeout
        self._session = _NoRedirects()
        adapter = _peer_checking_adapter(hosts)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def send(self, subscription: Subscription, payload: dict[str, str], *, ttl: int, urgency: str) -> None:
        """Push ``payload`` (JSON) to one subscription; raises our delivery errors."""
        try:
            check_endpoint(subscription.endpoint, self._hosts)
        except RefusedEndpointError as error:
            raise PermanentDeliveryError(f"endpoint refused: {error}", code="refused_endpoint") from None
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=json.dumps(payload, ensure_ascii=False),
                vapid_private_key=self._keys.vapid,
                vapid_claims={"sub": self._keys.subject},
                ttl=ttl,
                headers={"Urgency": urgency},
                timeout=self._timeout,
                requests_session=self._session,
            )
        except WebPushException as error:
            status = error.response.status_code if error.response is not None else None
            if status in (404, 410):
                raise GoneSubscriptionError("subscription gone", code=str(status)) from error
            if status is None or status == 429 or status >= 500:
                raise RetryableDeliveryError(f"push service refused: {status}", code=str(status)) from error
            raise PermanentDeliveryError(f"push service refused: {status}", code=str(status)) from error
        except requests.RequestException as error:
            raise RetryableDeliveryError(f"push service unreachable: {error}") from error


def init_app(app: Flask) -> None:
    """Refuse to start with a ``FIELDAPP_PUSH_HOSTS`` that cannot be read."""
    try:
        push_hosts(app.config.get("FIELDAPP_PUSH_HOSTS"))
    except ValueError as error:
        raise ConfigError(str(error)) from None
