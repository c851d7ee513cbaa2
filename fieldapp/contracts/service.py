"""Teams, contracts and packages: who may form, sign, renew and terminate, by DOMAIN.md's rules."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from fieldapp.audit.service import record_access, record_bulk_read
from fieldapp.auth.models import Role, User
from fieldapp.auth.scoping import FIELD_ROLES, TOWNSHIP_ROLES, resident_clause, township_clause
from fieldapp.contracts.models import (
    BASIC_PACKAGE,
    Contract,
    ContractStatus,
    MemberRole,
    ServicePackage,
    Team,
    TeamMember,
)
from fieldapp.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.idempotency import insert_once
from fieldapp.org.models import Township
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today, utcnow

TEAM_EDITORS = (Role.TOWNSHIP_MANAGER, Role.COUNTY_ADMIN)
# Township staff, and village doctors for residents of their villages (the area clause decides).
SIGNERS = FIELD_ROLES
# A team leader is a township general practitioner.
LEAD_ROLES = frozenset(TOWNSHIP_ROLES)
LOCAL_MEMBER_ROLES = frozenset({Role.VILLAGE_DOCTOR, *TOWNSHIP_ROLES})


def _invalid(fields: dict[str, list[str]]) -> ValidationError:
    return ValidationError("Some fields are not valid.", fields=fields)


# --- packages ------------------------------------------------------------------------------


def list_packages() -> list[ServicePackage]:
    """Every package the county named, ``basic`` first (the migration stores it; offered even without its row)."""
    packages = list(db.session.scalars(select(ServicePackage).order_by(ServicePackage.code)))
    if not any(package.code == BASIC_PACKAGE for package in packages):
        packages.append(
            ServicePackage(code=BASIC_PACKAGE, name="基础包", name_en="Basic package", active=True)
        )
    return sorted(packages, key=lambda package: package.code != BASIC_PACKAGE)


def save_package(user: User, code: str, data: dict[str, Any]) -> ServicePackage:
    """Create or change a package (county admin); ``basic`` is always offered."""
    if user.role != Role.COUNTY_ADMIN:
        raise ForbiddenError("Only a county admin names the service packages.")
    if code == BASIC_PACKAGE and not data["active"]:
        raise _invalid({"active": ["the basic package is always offered"]})
    package = db.session.get(ServicePackage, code) or ServicePackage(code=code)
    package.name, package.name_en, package.active = data["name"], data["name_en"], data["active"]
    db.session.add(package)
    db.session.commit()
    return package


# --- teams ---------------------------------------------------------------------------------


def _check_members(members: list[dict[str, Any]], township_id: uuid.UUID) -> list[str]:
    """The problems with a team's members: one lead, local staff, a specialist from a facility."""
    problems: list[str] = []
    ids = [member["user_id"] for member in members]
    if len(set(ids)) != len(ids):
        problems.append("a member is listed twice")
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
    leads = [member for member in members if member["role"] == MemberRole.LEAD]
    if len(leads) != 1:
        problems.append("a team has exactly one lead")
    for member in members:
        user = users.get(member["user_id"])
        if user is None or not user.active:
            problems.append(f"no such active user: {member['user_id']}")
        elif member["role"] == MemberRole.SPECIALIST:
            if user.facility_id is None:
                problems.append(f"a specialist is a county facility's staff: {user.username}")
        elif user.role not in LOCAL_MEMBER_ROLES or user.township_id != township_id:
            problems.append(f"not a member of this township's staff: {user.username}")
        elif member["role"] == MemberRole.LEAD and user.role not in LEAD_ROLES:
            problems.append(f"the lead is a township doctor: {user.username}")
    return problems


def _editable_township(user: User, township_id: uuid.UUID) -> bool:
    if user.role == Role.COUNTY_ADMIN:
        return db.session.get(Township, township_id) is not None
    return user.role == Role.TOWNSHIP_MANAGER and user.township_id == township_id


def create_team(user: User, data: dict[str, Any]) -> tuple[Team, bool]:
    """Form a team (township manager of its township, county admin); idempotent by id."""
    if user.role not in TEAM_EDITORS:
        raise ForbiddenError("Only a township manager or a county admin forms teams.")
    errors: dict[str, list[str]] = {}
    if not _editable_township(user, data["township_id"]):
        errors["township_id"] = ["no such township in your area"]
    else:
        problems = _check_members(data["members"], data["township_id"])
        if problems:
            errors["members"] = problems
    if errors:
        raise _invalid(errors)

    def build(digest: str) -> Team:
        return Team(
            id=data.get("id") or uuid.uuid4(),
            name=data["name"],
            township_id=data["township_id"],
            created_by=user.id,
            request_hash=digest,
            members=[TeamMember(user_id=m["user_id"], role=m["role"]) for m in data["members"]],
        )

    team, created = insert_once(Team, data, build)
    db.session.commit()
    return team, created


def _visible_teams(user: User) -> ColumnElement[bool]:
    return Team.township_id.in_(select(Township.id).where(township_clause(user)))


def get_team(user: User, team_id: uuid.UUID) -> Team:
    """A team the user may see, or 404."""
    team = db.session.scalar(select(Team).where(Team.id == team_id, _visible_teams(user)))
    if team is None:
        raise NotFoundError("No such team.")
    return team


def update_team(user: User, team_id: uuid.UUID, data: dict[str, Any]) -> Team:
    """Rename a team or replace its members (its township's manager, county admin)."""
    if user.role not in TEAM_EDITORS:
        raise ForbiddenError("Only a township manager or a county admin changes teams.")
    team = get_team(user, team_id)
    if not _editable_township(user, team.township_id):
        raise ForbiddenError("Only the team's township manager or a county admin changes it.")
    if "members" in data:
        problems = _check_members(data["members"], team.township_id)
        if problems:
            raise _invalid({"members": problems})
        team.members = [TeamMember(user_id=m["user_id"], role=m["role"]) for m in data["members"]]
    if "name" in data:
        team.name = data["name"]
    db.session.commit()
    return team


def list_teams(user: User, township_id: uuid.UUID | None) -> list[Team]:
    """Teams of the townships the user may see; a hidden township is 404."""
    if (
        township_id is not None
        and db.session.scalar(select(Township.id).where(Township.id == township_id, township_clause(user)))
        is None
    ):
        raise NotFoundError("No such township.")
    query = select(Team).where(_visible_teams(user))
    if township_id is not None:
        query = query.where(Team.township_id == township_id)
    return list(db.session.scalars(query.order_by(Team.name, Team.id)))


def team_choices(township_id: uuid.UUID) -> list[Any]:
    """The township's teams as ``(id, name)`` rows, for a form that offers them."""
    return list(
        db.session.execute(
            select(Team.id, Team.name).where(Team.township_id == township_id).order_by(Team.name)
        )
    )


# --- contracts -----------------------------------------------------------------------------


def default_ends_on(starts_on: date) -> date:
    """One year by default: the day before the same date a year later."""
    try:
        return starts_on.replace(year=starts_on.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(starts_on.year + 1, 2, 28)


def _overlapping(resident_id: uuid.UUID, starts_on: date, ends_on: date) -> uuid.UUID | None:
    """A contract of the resident, not terminated, whose period meets ``starts_on``..``ends_on``."""
    return db.session.scalar(
        select(Contract.id).where(
            Contract.resident_id == resident_id,
            Contract.terminated_on.is_(None),
            Contract.starts_on <= ends_on,
            Contract.ends_on >= starts_on,
        )
    )


def _renewed_by(contract_id: uuid.UUID) -> uuid.UUID | None:
    return db.session.scalar(select(Contract.id).where(Contract.renews == contract_id))


def _check_packages(codes: list[str]) -> tuple[list[str], list[str]]:
    """The packages in order, ``basic`` first and always; and the codes the county does not offer."""
    wanted = list(dict.fromkeys([BASIC_PACKAGE, *codes]))
    offered = set(
        db.session.scalars(
            select(ServicePackage.code).where(
                ServicePackage.code.in_(wanted), ServicePackage.active.is_(True)
            )
        )
    )
    offered.add(BASIC_PACKAGE)
    return wanted, [code for code in wanted if code not in offered]


def _build_contract(user: User, resident: Resident, data: dict[str, Any], digest: str) -> Contract:
    """The new contract, once every rule holds: field errors all at once, then conflicts."""
    errors: dict[str, list[str]] = {}
    team = db.session.get(Team, data["team_id"])
    if team is None or team.township_id != resident.village.township_id:
        errors["team_id"] = ["no such team in the resident's township"]
    packages, unknown = _check_packages(data["packages"])
    if unknown:
        errors["packages"] = [f"not a package the county offers: {', '.join(unknown)}"]
    previous = db.session.get(Contract, data["renews"]) if data.get("renews") else None
    if data.get("renews") and (previous is None or previous.resident_id != resident.id):
        errors["renews"] = ["no such contract of this resident"]
    elif previous is not None and previous.terminated_on is not None:
        errors["renews"] = ["a terminated contract is not renewed: sign a new one"]
    signed_on = data["signed_on"]
    if signed_on > local_today():
        errors["signed_on"] = ["must not be in the future"]
    starts_on = data.get("starts_on") or (
        max(signed_on, previous.ends_on + timedelta(days=1)) if previous is not None else signed_on
    )
    ends_on = data.get("ends_on") or default_ends_on(starts_on)
    if ends_on < starts_on:
        errors["ends_on"] = ["must not be before starts_on"]
    if errors:
        raise _invalid(errors)
    # Concurrent signings for one resident wait for each other here (PostgreSQL; SQLite writes one at a time).
    db.session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    existing = _overlapping(resident.id, starts_on, ends_on)
    if existing is not None:
        raise ConflictError(
            "The resident has an active contract for this period.",
            code="conflict",
            extra={"existing_id": str(existing)},
        )
    if previous is not None and (renewal := _renewed_by(previous.id)) is not None:
        raise ConflictError(
            "This contract has been renewed already.", code="conflict", extra={"existing_id": str(renewal)}
        )
    return Contract(
        id=data.get("id") or uuid.uuid4(),
        resident_id=resident.id,
        village_id=resident.village_id,
        team_id=data["team_id"],
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        packages=packages,
        renews=previous.id if previous is not None else None,
        created_by=user.id,
        request_hash=digest,
    )


def _touch(resident: Resident) -> None:
    """The resident's record changes with its contract (team and end date): phones pull it again."""
    resident.updated_at = utcnow()


def _visible_resident(user: User, resident_id: uuid.UUID) -> Resident:
    resident = db.session.scalar(select(Resident).where(Resident.id == resident_id, resident_clause(user)))
    if resident is None:
        raise NotFoundError("No such resident.")
    return resident


def _raise_renewed(_error: IntegrityError) -> None:
    raise ConflictError("This contract has been renewed already.", code="conflict")


def add_contract(user: User, data: dict[str, Any]) -> tuple[Contract, bool]:
    """Sign (or renew) a contract in the current transaction, idempotent by id; the caller commits."""
    if user.role not in SIGNERS:
        raise ForbiddenError("Contracts are signed by township staff and village doctors.")
    resident = _visible_resident(user, data["resident_id"])
    contract, created = insert_once(
        Contract,
        data,
        lambda digest: _build_contract(user, resident, data, digest),
        on_conflict=_raise_renewed,
    )
    if created:
        _touch(resident)
        record_access(user, "create", "contract", contract.id)
    return contract, created


def sign_contract(user: User, data: dict[str, Any]) -> tuple[Contract, bool]:
    """Sign (or renew) a contract; returns ``(contract, created)``."""
    result = add_contract(user, data)
    db.session.commit()
    return result


def _visible_contract(user: User, contract_id: uuid.UUID, *, lock: bool = False) -> Contract:
    query = (
        select(Contract)
        .join(Resident, Resident.id == Contract.resident_id)
        .where(Contract.id == contract_id, resident_clause(user))
    )
    # Locked: two phones terminating at once are answered one after the other.
    contract = db.session.scalar(query.with_for_update(of=Contract) if lock else query)
    if contract is None:
        raise NotFoundError("No such contract.")
    return contract


def end_contract(user: User, contract_id: uuid.UUID, data: dict[str, Any]) -> tuple[Contract, bool]:
    """Terminate a contract in the caller's transaction: ``(contract, terminated now)``.

    The same termination again (same date and reason) changes nothing and answers
    ``(contract, False)``; any other change to a contract not in force on ``on`` is a 409.
    """
    if user.role not in SIGNERS:
        raise ForbiddenError("Contracts are terminated by township staff and village doctors.")
    contract = _visible_contract(user, contract_id, lock=True)
    if (contract.terminated_on, contract.termination_reason) == (data["on"], data["reason"]):
        return contract, False
    today = local_today()
    # Terminated on a day it was in force (a phone may sync days after the doorstep).
    status = contract.status_on(min(data["on"], today))
    if status != ContractStatus.ACTIVE:
        raise ConflictError(f"A contract that is {status} cannot be terminated.", code="invalid_transition")
    if data["on"] > today:
        raise _invalid({"on": ["must not be in the future"]})
    if data["on"] < contract.signed_on:
        raise _invalid({"on": ["must not be before the contract was signed"]})
    contract.terminated_on = data["on"]
    contract.termination_reason = data["reason"]
    _touch(db.session.get(Resident, contract.resident_id))  # type: ignore[arg-type]
    record_access(user, "terminate", "contract", contract.id)
    return contract, True


def terminate_contract(user: User, contract_id: uuid.UUID, data: dict[str, Any]) -> Contract:
    """End a contract early, with the reason and the date; 409 once terminated or expired."""
    contract, terminated = end_contract(user, contract_id, data)
    if not terminated:
        raise ConflictError("A contract that is terminated cannot be terminated.", code="invalid_transition")
    db.session.commit()
    return contract


def contracts_of(resident_id: uuid.UUID) -> list[Contract]:
    """A resident's contracts, newest start first (the caller has checked the resident's area)."""
    query = select(Contract).where(Contract.resident_id == resident_id)
    return list(db.session.scalars(query.order_by(Contract.starts_on.desc(), Contract.id)))


def status_clause(status: str, today: date) -> ColumnElement[bool]:
    """Contracts whose status is ``status`` on ``today``."""
    if status == ContractStatus.TERMINATED:
        return Contract.terminated_on.is_not(None)
    not_terminated = Contract.terminated_on.is_(None)
    if status == ContractStatus.EXPIRED:
        return and_(not_terminated, Contract.ends_on < today)
    return and_(not_terminated, Contract.ends_on >= today)


def active_on_clause(day: date) -> ColumnElement[bool]:
    """Contracts in force on ``day``: started, not ended, not terminated by then."""
    return and_(
        Contract.starts_on <= day,
        Contract.ends_on >= day,
        or_(Contract.terminated_on.is_(None), Contract.terminated_on > day),
    )


def list_contracts(
    user: User, filters: dict[str, Any], page: int, per_page: int
) -> tuple[list[Contract], int]:
    """A page of contracts of residents the user may see, newest start first."""
    query = select(Contract).join(Resident, Resident.id == Contract.resident_id).where(resident_clause(user))
    if filters.get("resident_id"):
        query = query.where(Contract.resident_id == filters["resident_id"])
    if filters.get("team_id"):
        query = query.where(Contract.team_id == filters["team_id"])
    if filters.get("village_id"):
        query = query.where(Resident.village_id == filters["village_id"])
    if filters.get("status"):
        query = query.where(status_clause(filters["status"], local_today()))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(
        db.session.scalars(
            query.order_by(Contract.starts_on.desc(), Contract.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    # A list of residents' contracts is a bulk read of personal data (API.md "Reports"): one entry.
    record_bulk_read(user, "contracts", {**filters, "page": page, "per_page": per_page}, len(rows))
    return rows, total
