"""The scale benchmark's EXPLAIN of the reminder scan runs on PostgreSQL as the scan's own
statements are written (a status written into the SQL at execution must be rendered first)."""

from __future__ import annotations

from datetime import datetime
from datetime import time as clock_time

import pytest
from flask import Flask

from bench.scale import scan_plans
from fieldapp.extensions import db
from fieldapp.timeutil import local_today, local_zone
from tests.builders import create_resident, create_township, create_village
from tests.followups.builders import create_enrollment


def test_the_scans_plans_are_explained(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("EXPLAIN (ANALYZE, BUFFERS) is PostgreSQL's")
    village = create_village(create_township())
    for n in range(3):
        create_enrollment(create_resident(village, name=f"居民{n}"), next_due_on=local_today())
    at = datetime.combine(local_today(), clock_time(10, 0), tzinfo=local_zone())

    plans = scan_plans(at)

    assert len(plans) == 2, "the due set, then one page of it"
    assert "reminder scan: one page (3 enrollments)" in plans[1]
    assert all("Execution Time" in plan for plan in plans)
