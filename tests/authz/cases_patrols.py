"""Authorisation cases for patrols: township staff plan them; everyone in the area may list them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fieldapp.auth.models import Role
from fieldapp.timeutil import local_today
from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area
from tests.builders import create_user
from tests.patrols.builders import create_patrol


def _new_patrol(area: Area) -> Call:
    member = create_user(Role.TOWNSHIP_DOCTOR, township=area.township)
    body = {"village_id": str(area.village.id), "date": "2026-12-01", "team": [str(member.id)]}
    return Call("/api/v1/patrols", json=body)


def _patrols(area: Area) -> Call:
    return Call("/api/v1/patrols", listed_id=create_patrol(area.village).id)


CASES = [
    Case(
        "patrols_api.create_patrol",
        "POST",
        _new_patrol,
        inside=by_role(403, township_doctor=201, township_manager=201),
        # A village of another township is a field error, as for residents.
        outside=by_role(403, township_doctor=422, township_manager=422),
    ),
    Case(
        "patrols_api.list_patrols",
        "GET",
        _patrols,
        inside=by_role(LISTED, referral_desk=UNLISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
    ),
]


def _change(action: str, body: dict[str, object]) -> Any:
    """A patrol planned for next week, changed or cancelled."""

    def setup(area: Area) -> Call:
        patrol = create_patrol(area.village, on=local_today() + timedelta(days=7))
        path = f"/api/v1/patrols/{patrol.id}" + ("/cancel" if action == "cancel" else "")
        return Call(path, json=body)

    return setup


# Township staff change their own township's patrols; outside it a patrol does not exist (404).
STAFF_CHANGE = {
    "inside": by_role(403, township_doctor=200, township_manager=200),
    "outside": by_role(403, township_doctor=404, township_manager=404),
}

CASES += [
    Case("patrols_api.update_patrol", "PATCH", _change("update", {"note": "带血压计"}), **STAFF_CHANGE),
    Case("patrols_api.cancel_patrol", "POST", _change("cancel", {"reason": "暴雨"}), **STAFF_CHANGE),
]
