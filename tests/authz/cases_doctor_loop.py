"""Authorisation cases for replies and contact attempts: the residents' area decides."""

from __future__ import annotations

import uuid

from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, resident_in
from tests.replies.builders import create_reply


def _replies(area: Area) -> Call:
    reply = create_reply(resident_in(area))
    return Call("/api/v1/replies", listed_id=reply.id)


def _read_reply(area: Area) -> Call:
    reply = create_reply(resident_in(area))
    return Call(f"/api/v1/replies/{reply.id}/read", json={})


def _contact_attempt(area: Area) -> Call:
    body = {
        "id": str(uuid.uuid4()),
        "resident_id": str(resident_in(area).id),
        "at": "2026-11-20T10:00:00+08:00",
        "channel": "phone",
        "result": "unreachable",
    }
    return Call("/api/v1/contact-attempts", json=body)


CASES = [
    Case(
        "replies_api.list_replies",
        "GET",
        _replies,
        # Everyone who sees the resident reads their replies (a desk: those referred to it).
        inside=by_role(LISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
    ),
    Case(
        "replies_api.mark_read",
        "POST",
        _read_reply,
        inside=by_role(200),
        outside=by_role(404, county_admin=200),
    ),
    Case(
        "contacts_api.record_contact_attempt",
        "POST",
        _contact_attempt,
        inside=by_role(201, referral_desk=403),
        # A resident of another township is a field error, as for follow-ups.
        outside=by_role(422, referral_desk=403, county_admin=201),
    ),
]
