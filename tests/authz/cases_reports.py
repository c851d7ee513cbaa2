"""Authorisation cases for reports: township staff read their township's, county admins any."""

from __future__ import annotations

from collections.abc import Callable

from tests.authz.matrix import Call, Case, by_role
from tests.authz.world import Area


def _report(path: str) -> Callable[[Area], Call]:
    return lambda area: Call(f"/api/v1/reports/{path}?township_id={area.township.id}")


CASES = [
    Case(
        f"reports_api.{name}",
        "GET",
        _report(name),
        inside=by_role(403, township_doctor=200, township_manager=200, county_admin=200),
        # Another township is not the caller's to see: 404, as anything outside the area.
        outside=by_role(403, township_doctor=404, township_manager=404, county_admin=200),
    )
    for name in ("indicators", "coverage")
]
