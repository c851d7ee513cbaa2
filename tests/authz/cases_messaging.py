"""Authorisation cases for messages and push: everyone reads what their area sent; devices are personal."""

from __future__ import annotations

import uuid

from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, resident_in
from tests.messaging.builders import browser_keys, create_message


def _messages(area: Area) -> Call:
    return Call("/api/v1/messages", listed_id=create_message(resident_in(area)).id)


def _vapid_key(area: Area) -> Call:
    return Call("/api/v1/push/vapid-public-key")


def _subscribe(area: Area) -> Call:
    # A new browser each time: an endpoint belongs to the user who subscribed it (another gets 409).
    endpoint = f"https://push.example.com/s/{uuid.uuid4()}"
    return Call("/api/v1/push/subscriptions", json=browser_keys().subscription(endpoint))


def _unsubscribe(area: Area) -> Call:
    return Call("/api/v1/push/subscriptions", json={"endpoint": "https://push.example.com/s/1"})


CASES = [
    Case(
        "messaging_api.list_messages",
        "GET",
        _messages,
        inside=by_role(LISTED, referral_desk=UNLISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
    ),
    Case("messaging_api.vapid_public_key", "GET", _vapid_key, inside=by_role(200)),
    Case("messaging_api.subscribe", "POST", _subscribe, inside=by_role(201)),
    Case("messaging_api.unsubscribe", "DELETE", _unsubscribe, inside=by_role(204)),
]
