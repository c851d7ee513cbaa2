"""The screening and health-check queues cost a few statements a page, whatever its size.

The page with its residents' active contracts (every resident answer names its team), and the
total (the health-check queue counts it in the page's own pass: one statement).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.schemas import QueueItemSchema
from fieldapp.followups.service import queue_page
from fieldapp.screenings.models import Screening
from fieldapp.timeutil import local_today, utcnow
from tests.builders import create_resident, create_user
from tests.followups.builders import create_enrollment


@pytest.mark.parametrize(("status", "expected"), [("screening", 2), ("health_check", 1)])
def test_two_statements_a_page(app, place, status, expected):
    today = local_today()
    for n in range(30):
        resident = create_resident(place.village, name=f"居民{n:02d}")
        create_enrollment(resident, "hypertension")
        db.session.add(
            Screening(
                resident_id=resident.id,
                village_id=resident.village_id,
                performed_at=utcnow() - timedelta(days=n),
                sbp=150,
                dbp=95,
                results=["suspected_diabetes"],
                confirm_by=today + timedelta(days=14 - n),
                status="open",
            )
        )
    db.session.commit()
    manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)
    filters = {"status": status, "township_id": place.township.id}
    assert manager.role  # loaded before counting, as the request's user is
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for per_page in (1, 10, 50):
            statements.clear()
            items, total = queue_page(manager, filters, 1, per_page)
            assert total == 30
            assert len(items) == min(per_page, 30)
            QueueItemSchema(many=True).dump(items)  # dumping touches nothing lazy
            assert len(statements) == expected, "\n\n".join(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
