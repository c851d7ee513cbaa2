"""Family-doctor pages: teams, contract coverage by village and by township, and their exports."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role, User
from fieldapp.console.charts import rate_chart
from fieldapp.console.exports import table_download
from fieldapp.console.labels import term
from fieldapp.console.manager import chosen_township, township_pages, township_staff
from fieldapp.console.web import bp, form_data, me, submit
from fieldapp.contracts import figures
from fieldapp.contracts import service as contracts
from fieldapp.contracts.models import MemberRole
from fieldapp.contracts.schemas import (
    PACKAGE_CODE_PATTERN,
    ContractSchema,
    PackageUpdateSchema,
    TeamSchema,
    TeamUpdateSchema,
    TerminateSchema,
)
from fieldapp.errors import NotFoundError, ValidationError
from fieldapp.org import service as org
from fieldapp.org.models import Township
from fieldapp.residents.keygroups import KEY_GROUPS
from fieldapp.timeutil import local_today

# The key groups the coverage table shows a column for (all of them are in the export).
SHOWN_GROUPS = ("elderly", "hypertension", "diabetes")


def chosen_date() -> date:
    """``?on=`` (an ISO date), default today; anything else is a 404."""
    raw = request.args.get("on", "")
    if not raw:
        return local_today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise NotFoundError(_("No such date.")) from None


def _specialists(user: User) -> list[User]:
    """County facilities' staff: who may join a team as its specialist."""
    return [u for u in org.list_users(user) if u.facility_id is not None and u.active]


def _members_from_form() -> list[dict[str, Any]]:
    """``role_<user id>`` fields: each member's role, blank for not a member."""
    members = []
    for key, value in request.form.items():
        if key.startswith("role_") and value:
            members.append({"user_id": key.removeprefix("role_"), "role": value})
    return members


@bp.get("/teams")
@township_pages
def teams() -> ResponseReturnValue:
    """A township's family-doctor teams with their members, and the form to form one."""
    user = me()
    township = chosen_township(user)
    staff = township_staff(user, township)
    return render_template(
        "console/teams.html",
        township=township,
        teams=contracts.list_teams(user, township.id),
        staff=staff,
        specialists=_specialists(user),
        local_roles=[r for r in MemberRole if r != MemberRole.SPECIALIST],
    )


def _team_body(township_id: Any) -> dict[str, Any]:
    raw = {"name": request.form.get("name", "").strip(), "township_id": str(township_id)}
    return TeamSchema().load({**raw, "members": _members_from_form()})  # type: ignore[no-any-return]


@bp.post("/teams")
@township_pages
def form_team() -> ResponseReturnValue:
    """Form a team: its name and each member's role."""
    township_id = request.form.get("township_id")

    def create() -> object:
        return contracts.create_team(me(), _team_body(township_id))

    return submit(create, _("Team formed."), url_for(".teams", township_id=township_id))


@bp.post("/teams/<uuid:team_id>")
@township_pages
def change_team(team_id: uuid.UUID) -> ResponseReturnValue:
    """Rename a team or change its members."""

    def change() -> object:
        body = {"name": request.form.get("name", "").strip(), "members": _members_from_form()}
        return contracts.update_team(me(), team_id, TeamUpdateSchema().load(body))

    return submit(change, _("Team changed."), url_for(".teams", township_id=request.form.get("township_id")))


@bp.post("/residents/<uuid:resident_id>/contracts")
@roles_required(Role.TOWNSHIP_MANAGER)
def sign_contract(resident_id: uuid.UUID) -> ResponseReturnValue:
    """Sign (or renew) a contract for the resident from the console."""

    def sign() -> object:
        body = form_data(ContractSchema(), lists=("packages",))
        if body["resident_id"] != resident_id:
            raise ValidationError(
                _("Some fields are not valid."), fields={"resident_id": ["not this resident"]}
            )
        return contracts.sign_contract(me(), body)

    return submit(sign, _("Contract signed."), url_for(".resident", resident_id=resident_id))


@bp.post("/contracts/<uuid:contract_id>/terminate")
@roles_required(Role.TOWNSHIP_MANAGER)
def terminate_contract(contract_id: uuid.UUID) -> ResponseReturnValue:
    """Terminate a contract from the resident's page."""
    resident_id = request.form.get("_resident_id", "")

    def terminate() -> object:
        return contracts.terminate_contract(me(), contract_id, form_data(TerminateSchema()))

    return submit(terminate, _("Contract terminated."), url_for(".resident", resident_id=resident_id))


def _coverage_charts(names: list[str], rows: list[dict[str, Any]], what: str) -> list[Any]:
    return [
        rate_chart(
            f"{_('Contract coverage')} · {what}",
            names,
            {
                _("Coverage rate"): [row["coverage"] for row in rows],
                term("key_group", "elderly"): [row["key_groups"]["elderly"]["coverage"] for row in rows],
            },
        ),
        rate_chart(
            f"{_('Renewal rate')} · {what}",
            names,
            {_("Renewal rate"): [row["renewal_rate"] for row in rows]},
        ),
    ]


@bp.get("/contracts")
@township_pages
def contract_coverage() -> ResponseReturnValue:
    """A township's contract coverage on a date, village by village, with charts."""
    user = me()
    township, on = chosen_township(user), chosen_date()
    rows = figures.contract_report_by(user, township.id, on, "village")
    totals = figures.contract_report(user, township.id, on)
    return render_template(
        "console/contracts.html",
        township=township,
        on=on,
        rows=[(row["place"].name, None, row) for row in rows],
        totals=totals,
        shown_groups=SHOWN_GROUPS,
        charts=_coverage_charts([row["place"].name for row in rows], rows, _("by village")),
        group_label=_("Village"),
        export_endpoint="console.contract_coverage_export",
        export_args={"township_id": township.id, "on": on.isoformat()},
    )


def coverage_export_rows(places: list[tuple[str, dict[str, Any]]]) -> tuple[list[str], list[list[Any]]]:
    """The export's header and rows: every figure of each place, every key group."""
    header = [_("Place"), _("Residents"), _("Contracted"), _("Coverage rate")]
    for code in KEY_GROUPS:
        name = term("key_group", code)
        header += [f"{name} · {_('Residents')}", f"{name} · {_('Contracted')}", f"{name} · {_('Coverage')}"]
    header += [_("Ending in the year"), _("Renewed"), _("Renewal rate")]
    rows = []
    for name, row in places:
        line = [name, row["residents"], row["contracted"], row["coverage"]]
        for code in KEY_GROUPS:
            group = row["key_groups"][code]
            line += [group["residents"], group["contracted"], group["coverage"]]
        rows.append([*line, row["ending_in_year"], row["renewed"], row["renewal_rate"]])
    return header, rows


@bp.get("/contracts.<fmt>")
@township_pages
def contract_coverage_export(fmt: str) -> ResponseReturnValue:
    """The township's contract figures by village, and its totals, as CSV or XLSX."""
    user = me()
    township, on = chosen_township(user), chosen_date()
    rows = figures.contract_report_by(user, township.id, on, "village")
    places = [(row["place"].name, row) for row in rows]
    header, lines = coverage_export_rows(
        [*places, (_("Total"), figures.contract_report(user, township.id, on))]
    )
    return table_download(fmt, f"contracts-{township.code}-{on.isoformat()}", header, lines)


@bp.get("/county/contracts")
@roles_required(Role.COUNTY_ADMIN)
def county_contracts() -> ResponseReturnValue:
    """The county's contract coverage on a date, township by township, and the service packages."""
    user = me()
    on = chosen_date()
    rows = figures.contract_report_by(user, None, on, "township")
    townships: list[Township] = [row["place"] for row in rows]
    return render_template(
        "console/contracts.html",
        township=None,
        on=on,
        rows=[
            (row["place"].name, url_for(".contract_coverage", township_id=row["place"].id, on=on), row)
            for row in rows
        ],
        totals=figures.contract_report(user, None, on),
        shown_groups=SHOWN_GROUPS,
        charts=_coverage_charts([t.name for t in townships], rows, _("by township")),
        group_label=_("Township"),
        export_endpoint="console.county_contracts_export",
        export_args={"on": on.isoformat()},
        packages=contracts.list_packages(),
    )


@bp.get("/county/contracts.<fmt>")
@roles_required(Role.COUNTY_ADMIN)
def county_contracts_export(fmt: str) -> ResponseReturnValue:
    """The county's contract figures by township, and its totals, as CSV or XLSX."""
    user = me()
    on = chosen_date()
    places = [(row["place"].name, row) for row in figures.contract_report_by(user, None, on, "township")]
    header, lines = coverage_export_rows([*places, (_("County"), figures.contract_report(user, None, on))])
    return table_download(fmt, f"contracts-county-{on.isoformat()}", header, lines)


@bp.post("/county/packages")
@roles_required(Role.COUNTY_ADMIN)
def save_package() -> ResponseReturnValue:
    """Name a service package, or change one."""
    code = request.form.get("_code", "").strip()

    def save() -> object:
        if re.fullmatch(PACKAGE_CODE_PATTERN, code) is None:
            raise ValidationError(
                _("Some fields are not valid."), fields={"code": [_("letters a-z, digits and _")]}
            )
        return contracts.save_package(me(), code, form_data(PackageUpdateSchema()))

    return submit(save, _("Package saved."), url_for(".county_contracts"))


def contract_panel(user: User, resident: Any) -> dict[str, Any]:
    """What the resident's page (already checked to be in the user's area) shows of contracts."""
    signs = user.role == Role.TOWNSHIP_MANAGER
    return {
        "contracts": contracts.contracts_of(resident.id),
        "teams": contracts.team_choices(resident.village.township_id) if signs else [],
        "packages": [p for p in contracts.list_packages() if p.active] if signs else [],
        "today": local_today(),
    }
