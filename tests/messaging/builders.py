"""Builders for messaging tests: enrollments due on a date, messages, browser subscriptions."""

from __future__ import annotations

import base64
import itertools
import os
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.messaging.models import Message
from fieldapp.residents.models import Resident

_serial = itertools.count(1)


def create_enrollment(resident: Resident, due_on: date | None, condition: str = "hypertension") -> Enrollment:
    enrollment = Enrollment(
        resident_id=resident.id,
        condition=condition,
        status="active",
        enrolled_on=date(2025, 1, 1),
        next_due_on=due_on,
    )
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def create_message(resident: Resident | None = None, **fields: object) -> Message:
    values: dict[str, object] = {
        "dedupe_key": f"test:{next(_serial)}",
        "to": resident.phone if resident else "+8613900000000",
        "body": "【青山镇卫生院】测试。回复TD退订",
        "kind": "reminder",
        "status": "sent",
        "resident_id": resident.id if resident else None,
        "township_id": resident.village.township_id if resident else None,
    }
    values.update(fields)
    message = Message(**values)
    db.session.add(message)
    db.session.commit()
    return message


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class BrowserKeys:
    """What a browser keeps for a push subscription: its private key and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64(point)

    @property
    def auth(self) -> str:
        return b64(self.auth_secret)

    def subscription(self, endpoint: str) -> dict[str, object]:
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def browser_keys() -> BrowserKeys:
    return BrowserKeys(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
