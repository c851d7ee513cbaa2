"""Authorisation cases for sync: every role may call it; the changes stay in the caller's area."""

from __future__ import annotations

import uuid
from typing import Any

from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, resident_in


def _pull(area: Area) -> Call:
    resident = resident_in(area)
    return Call("/api/v1/sync", json={"records": [], "since": None}, listed_id=resident.id)


def _push_visit(area: Area) -> Call:
    visit = {
        "id": str(uuid.uuid4()),
        "village_id": str(area.village.id),
        "visited_at": "2026-11-20T10:00:00+08:00",
        "purpose": "household",
    }
    return Call("/api/v1/sync", json={"records": [{"type": "visit", "data": visit}]}, listed_id=visit["id"])


def _pulled_residents(body: Any) -> list[str]:
    return [row["id"] for row in body["changes"]["residents"]]


def _created(body: Any) -> list[str]:
    return [result["id"] for result in body["results"] if result["status"] == "created"]


CASES = [
    Case(
        "sync_api.sync",
        "POST",
        _pull,
        # A referral desk pulls the residents referred to its facility.
        inside=by_role(LISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
        ids=_pulled_residents,
    ),
    Case(
        "sync_api.sync",
        "POST",
        _push_visit,
        inside=by_role(LISTED, referral_desk=UNLISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
        ids=_created,
    ),
]
