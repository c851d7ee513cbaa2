"""``/api/v1/teams``, ``/api/v1/contracts``, ``/api/v1/contract-packages`` and ``/api/v1/reports/contracts``."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user, require_role
from fieldapp.auth.models import Role
from fieldapp.contracts import figures, service
from fieldapp.contracts.schemas import (
    PACKAGE_CODE_PATTERN,
    ContractPageSchema,
    ContractQuerySchema,
    ContractReportQuerySchema,
    ContractReportSchema,
    ContractSchema,
    PackageListSchema,
    PackageSchema,
    PackageUpdateSchema,
    TeamListSchema,
    TeamQuerySchema,
    TeamSchema,
    TeamUpdateSchema,
    TerminateSchema,
)
from fieldapp.errors import NotFoundError
from fieldapp.http import load
from fieldapp.openapi import doc

bp = Blueprint("contracts_api", __name__, url_prefix="/api/v1")


def _args(schema: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = load(schema, {k: v for k, v in request.args.items() if v != ""})
    return loaded


@bp.post("/teams")
@doc("Form a family-doctor team", body=TeamSchema, response=TeamSchema, status=201)
def create_team() -> ResponseReturnValue:
    """A township manager (its township) or a county admin forms a team; idempotent by id."""
    user = require_role(*service.TEAM_EDITORS)
    team, created = service.create_team(user, load(TeamSchema()))
    return TeamSchema().dump(team), 201 if created else 200


@bp.get("/teams")
@doc("Family-doctor teams", query=TeamQuerySchema, response=TeamListSchema)
def list_teams() -> ResponseReturnValue:
    """Teams of the townships the caller may see."""
    rows = service.list_teams(current_user(), _args(TeamQuerySchema())["township_id"])
    return TeamListSchema().dump({"items": rows, "total": len(rows)})


@bp.patch("/teams/<uuid:team_id>")
@doc("Rename a team or replace its members", body=TeamUpdateSchema, response=TeamSchema)
def update_team(team_id: uuid.UUID) -> ResponseReturnValue:
    """The team's township manager or a county admin changes it."""
    user = require_role(*service.TEAM_EDITORS)
    return TeamSchema().dump(service.update_team(user, team_id, load(TeamUpdateSchema())))


@bp.post("/contracts")
@doc("Sign or renew a contract", body=ContractSchema, response=ContractSchema, status=201)
def sign_contract() -> ResponseReturnValue:
    """Township staff and doctors of the resident's area sign; the same id and body again answers 200."""
    user = require_role(*service.SIGNERS)
    contract, created = service.sign_contract(user, load(ContractSchema()))
    return ContractSchema().dump(contract), 201 if created else 200


@bp.post("/contracts/<uuid:contract_id>/terminate")
@doc("Terminate a contract", body=TerminateSchema, response=ContractSchema)
def terminate_contract(contract_id: uuid.UUID) -> ResponseReturnValue:
    """End a contract early with a reason and a date."""
    user = require_role(*service.SIGNERS)
    return ContractSchema().dump(service.terminate_contract(user, contract_id, load(TerminateSchema())))


@bp.get("/contracts")
@doc("Contracts", query=ContractQuerySchema, response=ContractPageSchema)
def list_contracts() -> ResponseReturnValue:
    """Contracts of residents in the caller's area, newest start first."""
    args = _args(ContractQuerySchema())
    page, per_page = args.pop("page"), args.pop("per_page")
    rows, total = service.list_contracts(current_user(), args, page, per_page)
    return ContractPageSchema().dump({"items": rows, "total": total, "page": page, "per_page": per_page})


@bp.get("/contract-packages")
@doc("Service packages", response=PackageListSchema)
def list_packages() -> ResponseReturnValue:
    """Every package the county named, ``basic`` first."""
    current_user()
    return PackageListSchema().dump({"items": service.list_packages()})


@bp.put("/contract-packages/<code>")
@doc("Name or change a service package", body=PackageUpdateSchema, response=PackageSchema)
def save_package(code: str) -> ResponseReturnValue:
    """A county admin names a package or changes it."""
    user = require_role(Role.COUNTY_ADMIN)
    if re.fullmatch(PACKAGE_CODE_PATTERN, code) is None:
        raise NotFoundError("No such package.")
    return PackageSchema().dump(service.save_package(user, code, load(PackageUpdateSchema())))


@bp.get("/reports/contracts")
@doc("Contract coverage and renewals", query=ContractReportQuerySchema, response=ContractReportSchema)
def contract_report() -> ResponseReturnValue:
    """Coverage, key-group coverage and renewal rate of a township (or the county) on a date."""
    args = _args(ContractReportQuerySchema())
    return ContractReportSchema().dump(
        figures.contract_report(current_user(), args["township_id"], args["on"])
    )
