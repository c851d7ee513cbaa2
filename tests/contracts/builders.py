"""Plain builders for teams and contracts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fieldapp.auth.models import Role
from fieldapp.contracts.models import Contract, Team, TeamMember
from fieldapp.contracts.service import default_ends_on
from fieldapp.extensions import db
from fieldapp.org.models import Township
from fieldapp.residents.models import Resident
from tests.builders import create_user


def create_team(township: Township, name: str = "第一家庭医生团队") -> Team:
    lead = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    team = Team(name=name, township_id=township.id, members=[TeamMember(user_id=lead.id, role="lead")])
    db.session.add(team)
    db.session.commit()
    return team


def create_contract(
    resident: Resident,
    team: Team,
    starts_on: date,
    ends_on: date | None = None,
    *,
    signed_on: date | None = None,
    renews: Contract | None = None,
    terminated_on: date | None = None,
    **fields: Any,
) -> Contract:
    contract = Contract(
        resident_id=resident.id,
        village_id=resident.village_id,
        team_id=team.id,
        signed_on=signed_on or starts_on,
        starts_on=starts_on,
        ends_on=ends_on or default_ends_on(starts_on),
        packages=["basic"],
        renews=renews.id if renews else None,
        terminated_on=terminated_on,
        termination_reason="moved away" if terminated_on else None,
        **fields,
    )
    db.session.add(contract)
    db.session.commit()
    return contract


def days(n: int) -> timedelta:
    return timedelta(days=n)
