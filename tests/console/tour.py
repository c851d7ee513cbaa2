"""Every console page, for every console role, on a township with rows on each page.

The untranslated-strings walk and the accessibility check both go through this one tour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.patrols.models import Patrol
from fieldapp.referrals.models import Referral
from fieldapp.timeutil import local_today
from tests.assessment.builders import build_third_quarter_in
from tests.builders import create_facility, create_township, create_user
from tests.console.test_access_and_queries import ADMIN_PAGES, MANAGER_PAGES, populate


@dataclass(frozen=True)
class Tour:
    """Who signs in, and the pages each of them opens."""

    stops: dict[str, tuple[User, list[str]]]


def build_tour(rows: int = 6) -> Tour:
    """A township with ``rows`` of everything, a manager, a desk user and an admin, and their pages."""
    township, facility = create_township(name="青山镇"), create_facility(name="县人民医院")
    populate(township, facility, rows)
    manager = create_user(Role.TOWNSHIP_MANAGER, username="mgr1", township=township)
    manager.name = "赵主任"
    admin = create_user(Role.COUNTY_ADMIN, username="adm1")
    desk = create_user(Role.REFERRAL_DESK, username="dsk1", facility=facility)
    stationing = Patrol(
        village_id=db.session.query(Patrol.village_id).first()[0],
        township_id=township.id,
        kind="stationing",
        date=local_today() + timedelta(days=3),
        until=local_today() + timedelta(days=9),
        team=[],
    )
    db.session.add(stationing)
    db.session.commit()
    # Issue 16's pages with rows: a quarter's assessment, verifications (one denied), trainings.
    assessed = build_third_quarter_in(township)["a"]
    quarter = "period=2026Q3"
    records = [f"/console/assessment/records?doctor_id={assessed.id}&kind={kind}&{quarter}" for kind in
               ("followups", "dues", "outcomes")]  # fmt: skip
    resident_id = db.session.query(Referral.resident_id).first()[0]
    resident = f"/console/residents/{resident_id}"
    return Tour(
        {
            "manager": (
                manager,
                [
                    *MANAGER_PAGES,
                    "/console/queue?status=all",
                    resident,
                    f"/console/patrols/{stationing.id}",
                    f"/console/assessment?{quarter}",
                    *records,
                    "/console/verifications?status=confirmed",
                ],
            ),
            "desk": (desk, ["/console/desk", resident]),
            "admin": (
                admin,
                [
                    *ADMIN_PAGES,
                    f"/console/admin/users/{manager.id}",
                    f"/console/indicators?township_id={township.id}",
                    f"/console/patrols?township_id={township.id}",
                    f"/console/assessment?township_id={township.id}&{quarter}",
                    "/console/assessment/weights",
                    f"/console/training?township_id={township.id}",
                ],
            ),
        }
    )
