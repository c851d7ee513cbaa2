"""Authorisation cases for screenings, health checks, the v2 queues and township/village changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fieldapp.extensions import db
from fieldapp.screenings.models import Screening
from fieldapp.timeutil import local_today, utcnow
from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, resident_in
from tests.followups.builders import create_enrollment
from tests.screenings.builders import screening_body

WRITERS_ONLY = {"referral_desk": 403}


def _suspected(area: Area) -> Screening:
    resident = resident_in(area)
    screening = Screening(
        resident_id=resident.id,
        village_id=resident.village_id,
        performed_at=utcnow() - timedelta(hours=1),
        sbp=150,
        dbp=95,
        results=["suspected_hypertension"],
        confirm_by=local_today() + timedelta(days=14),
        status="open",
    )
    db.session.add(screening)
    db.session.commit()
    return screening


def _screen(area: Area) -> Call:
    return Call("/api/v1/screenings", json=screening_body(resident_in(area)))


def _outcome(area: Area) -> Call:
    body = {"condition": "hypertension", "outcome": "excluded", "on": local_today().isoformat()}
    return Call(f"/api/v1/screenings/{_suspected(area).id}/outcome", json=body)


def _screenings(area: Area) -> Call:
    return Call(f"/api/v1/residents/{resident_in(area).id}/screenings")


def _check(area: Area) -> Call:
    body = {"resident_id": str(resident_in(area).id), "performed_on": local_today().isoformat()}
    return Call("/api/v1/health-checks", json=body)


def _checks(area: Area) -> Call:
    return Call(f"/api/v1/residents/{resident_in(area).id}/health-checks")


def _screening_queue(area: Area) -> Call:
    return Call("/api/v1/queue?status=screening&per_page=200", listed_id=_suspected(area).id)


def _health_check_queue(area: Area) -> Call:
    resident = resident_in(area)
    create_enrollment(resident)
    return Call("/api/v1/queue?status=health_check&per_page=200", listed_id=resident.id)


def _screening_ids(body: Any) -> list[str]:
    return [item["screening_id"] for item in body["items"]]


def _resident_ids(body: Any) -> list[str]:
    return [item["resident"]["id"] for item in body["items"]]


ADMIN_ONLY = by_role(403, county_admin=200)

CASES = [
    Case(
        "screenings_api.record_screening",
        "POST",
        _screen,
        inside=by_role(201, **WRITERS_ONLY),
        outside=by_role(404, county_admin=201, **WRITERS_ONLY),
    ),
    Case(
        "screenings_api.record_outcome",
        "POST",
        _outcome,
        inside=by_role(200, **WRITERS_ONLY),
        # The desk is refused by role before the screening is looked up.
        outside=by_role(404, county_admin=200, **WRITERS_ONLY),
    ),
    Case(
        "screenings_api.list_screenings",
        "GET",
        _screenings,
        inside=by_role(200),
        outside=by_role(404, county_admin=200),
    ),
    Case(
        "healthchecks_api.record_health_check",
        "POST",
        _check,
        inside=by_role(201, **WRITERS_ONLY),
        outside=by_role(404, county_admin=201, **WRITERS_ONLY),
    ),
    Case(
        "healthchecks_api.list_health_checks",
        "GET",
        _checks,
        inside=by_role(200),
        outside=by_role(404, county_admin=200),
    ),
    Case(
        "healthchecks_api.health_check_form",
        "GET",
        lambda _area: Call("/api/v1/health-checks/form"),
        inside=by_role(200),
    ),
    Case(
        "org_api.update_township",
        "PATCH",
        lambda area: Call(f"/api/v1/townships/{area.township.id}", json={"expected": {"hypertension": 1200}}),
        inside=ADMIN_ONLY,
        outside=ADMIN_ONLY,
    ),
    Case(
        "org_api.update_village",
        "PATCH",
        lambda area: Call(f"/api/v1/villages/{area.village.id}", json={"name": "新东村"}),
        inside=ADMIN_ONLY,
        outside=ADMIN_ONLY,
    ),
    # The v2 queue statuses, as the queue's other statuses are.
    Case(
        "followups_api.queue",
        "GET",
        _screening_queue,
        inside=by_role(LISTED, referral_desk=403),
        outside=by_role(UNLISTED, county_admin=LISTED, referral_desk=403),
        ids=_screening_ids,
    ),
    Case(
        "followups_api.queue",
        "GET",
        _health_check_queue,
        inside=by_role(LISTED, referral_desk=403),
        outside=by_role(UNLISTED, county_admin=LISTED, referral_desk=403),
        ids=_resident_ids,
    ),
]
