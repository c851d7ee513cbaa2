"""Authorisation cases for enrollments, follow-ups, visits, the queue and the rules table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fieldapp.timeutil import local_today, utcnow
from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, resident_in
from tests.followups.builders import create_enrollment, followup_body

WRITERS_ONLY = {"referral_desk": 403}


def _enroll(area: Area) -> Call:
    resident = resident_in(area)
    body = {"condition": "hypertension", "diagnosed_on": "2020-01-01"}
    return Call(f"/api/v1/residents/{resident.id}/enrollments", json=body)


def _close(area: Area) -> Call:
    enrollment = create_enrollment(resident_in(area))
    return Call(f"/api/v1/enrollments/{enrollment.id}/close", json={"reason": "moved"})


def _record_followup(area: Area) -> Call:
    resident = resident_in(area)
    create_enrollment(resident)
    return Call("/api/v1/followups", json=followup_body(resident))


def _followups(area: Area) -> Call:
    return Call(f"/api/v1/residents/{resident_in(area).id}/followups")


def _visit(area: Area) -> Call:
    body = {"village_id": str(area.village.id), "visited_at": utcnow().isoformat(), "purpose": "education"}
    return Call("/api/v1/visits", json=body)


def _queue(area: Area) -> Call:
    enrollment = create_enrollment(resident_in(area), next_due_on=local_today() - timedelta(days=2))
    return Call("/api/v1/queue?status=overdue&per_page=200", listed_id=enrollment.id)


def _queue_ids(body: Any) -> list[str]:
    return [item["enrollment_id"] for item in body["items"]]


CASES = [
    Case(
        "followups_api.create_enrollment",
        "POST",
        _enroll,
        inside=by_role(201, **WRITERS_ONLY),
        outside=by_role(404, county_admin=201, **WRITERS_ONLY),
    ),
    Case(
        "followups_api.close_enrollment",
        "POST",
        _close,
        inside=by_role(200, **WRITERS_ONLY),
        outside=by_role(404, county_admin=200, **WRITERS_ONLY),
    ),
    Case(
        "followups_api.record_followup",
        "POST",
        _record_followup,
        inside=by_role(201, **WRITERS_ONLY),
        outside=by_role(404, county_admin=201, **WRITERS_ONLY),
    ),
    Case(
        "followups_api.list_followups",
        "GET",
        _followups,
        # A referral desk reads the residents referred to its facility.
        inside=by_role(200),
        outside=by_role(404, county_admin=200),
    ),
    Case(
        "followups_api.record_visit",
        "POST",
        _visit,
        inside=by_role(201, **WRITERS_ONLY),
        # A village of another township is a field error, as for residents and patrols.
        outside=by_role(422, county_admin=201, **WRITERS_ONLY),
    ),
    Case(
        "followups_api.queue",
        "GET",
        _queue,
        inside=by_role(LISTED, referral_desk=403),
        outside=by_role(UNLISTED, county_admin=LISTED, referral_desk=403),
        ids=_queue_ids,
    ),
    Case("followups_api.get_rules", "GET", lambda _area: Call("/api/v1/rules"), inside=by_role(200)),
]
