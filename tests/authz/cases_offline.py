"""Authorisation cases for what a phone changes offline (sync's ``screening_outcome`` and
``contract_termination`` records) and the printable record the field app opens."""

from __future__ import annotations

import uuid
from typing import Any

from fieldapp.followups.schemas import FollowUpSchema
from fieldapp.followups.service import record_followup
from fieldapp.timeutil import local_today
from tests.authz.cases_contracts import _contract
from tests.authz.cases_screenings import _suspected
from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, doctor_in, resident_in
from tests.followups.builders import create_enrollment, followup_body


def _created(body: Any) -> list[str]:
    return [result["id"] for result in body["results"] if result["status"] in ("created", "unchanged")]


def _push(record_type: str, data: dict[str, Any]) -> Call:
    record = {"type": record_type, "data": {"id": str(uuid.uuid4()), **data}}
    return Call("/api/v1/sync", json={"records": [record]}, listed_id=record["data"]["id"])


def _confirm(area: Area) -> Call:
    data = {
        "screening_id": str(_suspected(area).id),
        "condition": "hypertension",
        "outcome": "confirmed",
        "on": local_today().isoformat(),
    }
    return _push("screening_outcome", data)


def _terminate(area: Area) -> Call:
    data = {"contract_id": str(_contract(area).id), "reason": "迁出", "on": local_today().isoformat()}
    return _push("contract_termination", data)


def _one_followup(area: Area) -> Call:
    resident = resident_in(area)
    create_enrollment(resident)
    followup, _created = record_followup(doctor_in(area), FollowUpSchema().load(followup_body(resident)))
    return Call(f"/console/residents/{resident.id}/record?followup={followup.id}")


CASES = [
    Case(
        "sync_api.sync",
        "POST",
        _confirm,
        inside=by_role(LISTED, referral_desk=UNLISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
        ids=_created,
    ),
    Case(
        "sync_api.sync",
        "POST",
        _terminate,
        # Contracts are terminated by township staff and village doctors (as the endpoint).
        inside=by_role(UNLISTED, village_doctor=LISTED, township_doctor=LISTED, township_manager=LISTED),
        outside=by_role(UNLISTED),
        ids=_created,
    ),
    Case(
        "console.resident_record",
        "GET",
        _one_followup,
        # The doctors print from the field app, each for their own area.
        inside=by_role(200),
        outside=by_role(404, county_admin=200),
    ),
]
