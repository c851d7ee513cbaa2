"""Web Push through pywebpush, signed with the deployment's VAPID key."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

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


class WebPushClient:
    """Sends encrypted Web Push messages (RFC 8291, aes128gcm) with VAPID (RFC 8292)."""

    def __init__(self, keys: VapidKeys, timeout: float = 10.0) -> None:
        self._keys = keys
        self._timeout = timeout
        self._session = requests.Session()

    def send(self, subscription: Subscription, payload: dict[str, str], *, ttl: int, urgency: str) -> None:
        """Push ``payload`` (JSON) to one subscription; raises our delivery errors."""
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
