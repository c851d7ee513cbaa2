"""Authorisation cases for teams, contracts, packages and contract figures."""

from __future__ import annotations

import itertools

from fieldapp.auth.models import Role
from fieldapp.timeutil import local_today
from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, resident_in
from tests.builders import create_user
from tests.contracts.builders import create_contract, create_team

_codes = itertools.count(1)


def _new_team(area: Area) -> Call:
    lead = create_user(Role.TOWNSHIP_DOCTOR, township=area.township)
    body = {
        "name": "家庭医生团队",
        "township_id": str(area.township.id),
        "members": [{"user_id": str(lead.id), "role": "lead"}],
    }
    return Call("/api/v1/teams", json=body)


def _new_contract(area: Area) -> Call:
    body = {
        "resident_id": str(resident_in(area).id),
        "team_id": str(create_team(area.township).id),
        "signed_on": local_today().isoformat(),
    }
    return Call("/api/v1/contracts", json=body)


def _contract(area: Area):  # type: ignore[no-untyped-def]
    return create_contract(resident_in(area), create_team(area.township), local_today())


SIGNERS = {"village_doctor": 201, "township_doctor": 201, "township_manager": 201}
OUTSIDE_SIGNERS = {"village_doctor": 404, "township_doctor": 404, "township_manager": 404}
REPORTERS = {"township_doctor": 200, "township_manager": 200, "county_admin": 200}

CASES = [
    Case(
        "contracts_api.create_team",
        "POST",
        _new_team,
        inside=by_role(403, township_manager=201, county_admin=201),
        # Another township's team is a field error, as a patrol's village is.
        outside=by_role(403, township_manager=422, county_admin=201),
    ),
    Case(
        "contracts_api.list_teams",
        "GET",
        lambda area: Call("/api/v1/teams", listed_id=create_team(area.township).id),
        inside=by_role(LISTED, referral_desk=UNLISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
    ),
    Case(
        "contracts_api.update_team",
        "PATCH",
        lambda area: Call(f"/api/v1/teams/{create_team(area.township).id}", json={"name": "二队"}),
        inside=by_role(403, township_manager=200, county_admin=200),
        outside=by_role(403, township_manager=404, county_admin=200),
    ),
    Case(
        "contracts_api.sign_contract",
        "POST",
        _new_contract,
        inside=by_role(403, **SIGNERS),
        outside=by_role(403, **OUTSIDE_SIGNERS),
    ),
    Case(
        "contracts_api.terminate_contract",
        "POST",
        lambda area: Call(
            f"/api/v1/contracts/{_contract(area).id}/terminate",
            json={"reason": "迁出", "on": local_today().isoformat()},
        ),
        inside=by_role(403, **{role: 200 for role in SIGNERS}),
        outside=by_role(403, **OUTSIDE_SIGNERS),
    ),
    Case(
        "contracts_api.list_contracts",
        "GET",
        lambda area: Call("/api/v1/contracts", listed_id=_contract(area).id),
        # The referral desk sees the residents referred to it, and so their contracts.
        inside=by_role(LISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
    ),
    Case(
        "contracts_api.list_packages",
        "GET",
        lambda area: Call("/api/v1/contract-packages"),
        inside=by_role(200),
        outside=by_role(200),
    ),
    Case(
        "contracts_api.save_package",
        "PUT",
        lambda area: Call(f"/api/v1/contract-packages/package_{next(_codes)}", json={"name": "老年人服务包"}),
        inside=by_role(403, county_admin=200),
        outside=by_role(403, county_admin=200),
    ),
    Case(
        "contracts_api.contract_report",
        "GET",
        lambda area: Call(f"/api/v1/reports/contracts?township_id={area.township.id}"),
        inside=by_role(403, **REPORTERS),
        outside=by_role(403, township_doctor=404, township_manager=404, county_admin=200),
    ),
]
