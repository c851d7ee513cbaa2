"""Demo teams and contracts: about 40 % of residents contracted, key groups first.

A team per township (its manager leads, its village doctors serve, and the first
township's has the county hospital's desk as its specialist); current contracts with
start dates spread over the past year (so some end within 30 days), renewals of last
year's contracts, expired ones never renewed, and a few terminated.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from fieldapp.auth.models import Role, User
from fieldapp.bulk import insert_rows
from fieldapp.contracts.models import Contract, ServicePackage, Team, TeamMember
from fieldapp.contracts.service import default_ends_on
from fieldapp.dbtypes import fixed
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.org.models import Village
from fieldapp.residents.keygroups import elderly_born_by
from fieldapp.residents.models import Resident

CHUNK = 5000
CONTRACTED_SHARE = 0.40
KEY_GROUP_SHARE = 0.70  # of key-group residents; the rest are contracted less often
RENEWED_SHARE = 0.30  # of current contracts: a renewal of last year's
EXPIRED_SHARE = 0.05  # of residents without a current contract: one that lapsed
TERMINATED_SHARE = 0.01
PACKAGES = (
    ("basic", "基础包", "Basic package"),
    ("elderly_care", "老年人健康管理包", "Elderly care"),
    ("chronic_care", "慢病管理包", "Chronic disease care"),
)


def _teams(desk: User | None) -> dict[uuid.UUID, uuid.UUID]:
    """One team per township that has a manager: township id → team id."""
    staff = db.session.scalars(
        select(User).where(
            User.role.in_((Role.TOWNSHIP_MANAGER, Role.VILLAGE_DOCTOR)), User.township_id.is_not(None)
        )
    )
    by_township: dict[uuid.UUID, list[User]] = {}
    for user in staff:
        by_township.setdefault(user.township_id, []).append(user)  # type: ignore[arg-type]
    teams = {}
    for n, (township_id, users) in enumerate(sorted(by_township.items(), key=lambda item: str(item[0]))):
        managers = [u for u in users if u.role == Role.TOWNSHIP_MANAGER]
        if not managers:
            continue
        members = [TeamMember(user_id=managers[0].id, role="lead")]
        members += [
            TeamMember(user_id=u.id, role="village_doctor") for u in users if u.role == Role.VILLAGE_DOCTOR
        ]
        if desk is not None and n == 0:
            members.append(TeamMember(user_id=desk.id, role="specialist"))
        team = Team(name="家庭医生团队", township_id=township_id, created_by=managers[0].id, members=members)
        db.session.add(team)
        teams[township_id] = team.id = uuid.uuid4()
    db.session.flush()
    return teams


def _contract(
    resident_id: uuid.UUID,
    village_id: uuid.UUID,
    team_id: uuid.UUID,
    starts_on: date,
    stamp: Any,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "resident_id": resident_id,
        "village_id": village_id,
        "team_id": team_id,
        "signed_on": fields.pop("signed_on", starts_on),
        "starts_on": starts_on,
        "ends_on": default_ends_on(starts_on),
        "packages": fields.pop("packages", ["basic"]),
        "renews": None,
        "terminated_on": None,
        "termination_reason": None,
        **stamp.columns(),
        **fields,
    }


def write_contracts(rng: random.Random, desk: User | None, stamp: Any) -> None:
    """Teams, packages and contracts for the demo county's residents (set-based, in chunks)."""
    for code, name, name_en in PACKAGES:
        db.session.merge(ServicePackage(code=code, name=name, name_en=name_en, active=True))
    teams = _teams(desk)
    today = stamp.today
    enrolled = (
        select(Enrollment.resident_id).where(Enrollment.status == fixed("active")).distinct().subquery()
    )
    rows = db.session.execute(
        select(
            Resident.id,
            Resident.village_id,
            Village.township_id,
            Resident.birth_date,
            enrolled.c.resident_id.is_not(None),
        )
        .join(Village, Village.id == Resident.village_id)
        .outerjoin(enrolled, enrolled.c.resident_id == Resident.id)
        .order_by(Resident.id)
    ).all()
    elderly_by = elderly_born_by(today)
    key_share = sum(1 for r in rows if r[3] <= elderly_by or r[4]) / max(1, len(rows))
    # Key groups are contracted at KEY_GROUP_SHARE; the others so that the whole comes to about 40 %.
    other_share = max(0.0, (CONTRACTED_SHARE - key_share * KEY_GROUP_SHARE) / max(1e-9, 1 - key_share))
    contracts: list[dict[str, Any]] = []
    for resident_id, village_id, township_id, birth_date, is_enrolled in rows:
        team_id = teams.get(township_id)
        if team_id is None:
            continue
        key = birth_date <= elderly_by or is_enrolled
        packages = (
            ["basic", "elderly_care" if birth_date <= elderly_by else "chronic_care"] if key else ["basic"]
        )
        if rng.random() < (KEY_GROUP_SHARE if key else other_share):
            starts_on = today - timedelta(days=rng.randint(0, 364))
            if rng.random() < RENEWED_SHARE:
                previous = _contract(
                    resident_id,
                    village_id,
                    team_id,
                    starts_on - timedelta(days=365),
                    stamp,
                    packages=packages,
                )
                previous["ends_on"] = starts_on - timedelta(days=1)
                contracts.append(previous)
                late = rng.random() < 0.2  # some renew only after the old contract ended
                signed = (
                    starts_on + timedelta(days=rng.randint(1, 20))
                    if late
                    else starts_on - timedelta(days=rng.randint(0, 25))
                )
                current = _contract(
                    resident_id,
                    village_id,
                    team_id,
                    starts_on,
                    stamp,
                    renews=previous["id"],
                    signed_on=min(signed, today),
                    packages=packages,
                )
            else:
                current = _contract(resident_id, village_id, team_id, starts_on, stamp, packages=packages)
            if rng.random() < TERMINATED_SHARE:
                current["terminated_on"] = today - timedelta(days=rng.randint(0, (today - starts_on).days))
                current["terminated_on"] = max(current["terminated_on"], current["signed_on"])
                current["termination_reason"] = "迁出本地"
            contracts.append(current)
        elif rng.random() < EXPIRED_SHARE:
            contracts.append(
                _contract(
                    resident_id, village_id, team_id, today - timedelta(days=rng.randint(370, 700)), stamp
                )
            )
        if len(contracts) >= CHUNK:
            insert_rows(Contract.__table__, contracts, trusted=True)
            contracts = []
    if contracts:
        insert_rows(Contract.__table__, contracts, trusted=True)
