"""Every console page for every role: who may open it; and each page's SQL statements stay bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from fieldapp.audit.service import record_access
from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import Visit
from fieldapp.patrols.models import Patrol
from fieldapp.timeutil import local_today, utcnow
from tests.builders import create_facility, create_resident, create_township, create_user, create_village
from tests.console.builders import (
    create_enrollment,
    create_followup,
    create_message,
    create_referral_row,
    create_reply,
)
from tests.console.helpers import count_statements, sign_in

MANAGER_PAGES = (
    "/console/queue", "/console/referrals", "/console/indicators", "/console/coverage", "/console/messages",
    "/console/patrols", "/console/doctors", "/console/doctors/work", "/console/residents",
    "/console/teams", "/console/contracts",
    "/console/verifications", "/console/training",
)  # fmt: skip
ADMIN_PAGES = ("/console/admin/org", "/console/admin/users", "/console/county", "/console/admin/audit",
               "/console/admin/jobs", "/console/county/contracts")  # fmt: skip
DESK_PAGES = ("/console/desk",)
EVERY_PAGE = MANAGER_PAGES + ADMIN_PAGES + DESK_PAGES
MAY_OPEN = {
    Role.TOWNSHIP_MANAGER: set(MANAGER_PAGES),
    Role.REFERRAL_DESK: set(DESK_PAGES),
    # A township's pages, read-only; its SMS log stays with the township.
    Role.COUNTY_ADMIN: set(ADMIN_PAGES) | set(MANAGER_PAGES) - {"/console/messages"},
    Role.TOWNSHIP_DOCTOR: set(),
    Role.VILLAGE_DOCTOR: set(),
}


def populate(township: object, facility: object, n: int) -> None:
    """``n`` villages, residents, follow-ups, referrals, messages, replies, visits, patrols, doctors."""
    today = local_today()
    for i in range(n):
        village = create_village(township, name=f"村{i}")
        doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
        resident = create_resident(village, name=f"居民{i}", phone_invalid=i % 2 == 0)
        enrollment = create_enrollment(resident, next_due_on=today - timedelta(days=i + 1))
        create_followup(enrollment, datetime(2026, 1 + i % 12, 5, 2, tzinfo=UTC), performed_by=doctor.id)
        create_referral_row(resident, facility.id, ("emergency", "urgent", "routine")[i % 3])
        create_message(resident, status=("delivered", "failed")[i % 2])
        create_reply(resident)
        record_access(doctor, "read", "resident", resident.id)
        db.session.add(
            Visit(
                village_id=village.id,
                visited_at=utcnow() - timedelta(days=i),
                purpose="household",
                performed_by=doctor.id,
            )
        )
        db.session.add(
            Patrol(
                village_id=village.id,
                township_id=village.township_id,
                date=today + timedelta(days=i),
                team=[str(doctor.id)],
            )
        )
        db.session.commit()


@pytest.fixture
def users(app: object) -> dict[Role, object]:
    township, facility = create_township(), create_facility()
    return {
        role: create_user(
            role,
            township=township if role != Role.REFERRAL_DESK else None,
            facility=facility if role == Role.REFERRAL_DESK else None,
        )
        for role in MAY_OPEN
    }


@pytest.mark.parametrize("role", list(MAY_OPEN))
def test_each_role_opens_exactly_its_pages(client: FlaskClient, users: dict, role: Role) -> None:
    sign_in(client, users[role])
    opened = {path for path in EVERY_PAGE if client.get(path).status_code == 200}
    assert opened == MAY_OPEN[role]
    refused = {client.get(path).status_code for path in set(EVERY_PAGE) - opened}
    assert refused <= {403}


@pytest.mark.parametrize("role", [Role.TOWNSHIP_MANAGER, Role.REFERRAL_DESK, Role.COUNTY_ADMIN])
def test_console_home_leads_each_role_to_its_first_page(client: FlaskClient, users: dict, role: Role) -> None:
    sign_in(client, users[role])
    first = {Role.TOWNSHIP_MANAGER: "/console/queue", Role.REFERRAL_DESK: "/console/desk",
             Role.COUNTY_ADMIN: "/console/admin/org"}[role]  # fmt: skip
    assert client.get("/console/").headers["Location"] == first


def _statements(client: FlaskClient, path: str) -> int:
    db.session.expire_all()
    with count_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def test_every_page_runs_the_same_number_of_statements_for_3_or_30_rows(
    client: FlaskClient, users: dict
) -> None:
    manager, desk, admin = users[Role.TOWNSHIP_MANAGER], users[Role.REFERRAL_DESK], users[Role.COUNTY_ADMIN]
    township, facility = manager.township, desk.facility
    pages = (
        [(manager, p) for p in MANAGER_PAGES] + [(admin, p) for p in ADMIN_PAGES] + [(desk, "/console/desk")]
    )
    populate(township, facility, 3)
    few = {}
    for user, path in pages:
        sign_in(client, user)
        few[path] = _statements(client, path)
    populate(township, facility, 27)
    many = {}
    for user, path in pages:
        sign_in(client, user)
        many[path] = _statements(client, path)
    assert many == few
    # 15, and one for the contracts of the residents a page lists (their team and end date).
    assert max(many.values()) <= 16, many


def test_resident_page_statements_do_not_grow_with_history(client: FlaskClient, users: dict) -> None:
    manager, facility = users[Role.TOWNSHIP_MANAGER], users[Role.REFERRAL_DESK].facility
    resident = create_resident(create_village(manager.township))
    enrollment = create_enrollment(resident)
    sign_in(client, manager)
    counts = []
    for _round in range(2):
        for day in range(10):
            create_followup(enrollment, datetime(2026, 3, 1 + day, 2, tzinfo=UTC))
            create_referral_row(resident, facility.id, "routine")
            create_message(resident)
            create_reply(resident)
        counts.append(_statements(client, f"/console/residents/{resident.id}"))
    # v2: two sections more (screenings, health checks), one statement each; and 4 for
    # family-doctor contracts: the resident's open ones (team and end date), all of them, and
    # the teams and packages the signing form offers.
    assert counts[0] == counts[1] <= 22


def test_the_console_speaks_chinese_by_default(client: FlaskClient, users: dict) -> None:
    manager = users[Role.TOWNSHIP_MANAGER]
    with client.session_transaction() as session:
        session["user_id"] = str(manager.id)
    manager.language = "zh"
    db.session.commit()
    page = client.get("/console/queue").get_data(as_text=True)
    assert "随访队列" in page and "逾期" in page and "Follow-up queue" not in page
