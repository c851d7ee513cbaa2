"""Planning patrols and stationed service: township staff send a team to a village, change or cancel it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, or_, select

from fieldapp.auth.models import User
from fieldapp.auth.scoping import TOWNSHIP_ROLES, resident_village_clause, township_clause, village_clause
from fieldapp.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.idempotency import insert_once
from fieldapp.org.models import Township, Village
from fieldapp.patrols import notices
from fieldapp.patrols.models import Patrol, PatrolKind, PatrolStatus
from fieldapp.timeutil import local_today, utcnow

# A stationing lasts at most this many days (a stationed doctor is rotated at least yearly).
MAX_STATIONING_DAYS = 366
INVALID = "Some fields are not valid."


def _check_team(team: list[uuid.UUID], township_id: uuid.UUID) -> None:
    """Every team member must be an active user of the patrolled village's township."""
    known = set(
        db.session.scalars(
            select(User.id).where(User.id.in_(team), User.township_id == township_id, User.active.is_(True))
        )
    )
    strangers = sorted(str(member) for member in set(team) - known)
    if strangers:
        raise ValidationError(
            INVALID, fields={"team": [f"not a member of this township's staff: {', '.join(strangers)}"]}
        )


def _check_period(kind: str, first: date, until: date | None, today: date | None = None) -> None:
    """A patrol is one day (no ``until``); a stationing runs from ``date`` to ``until``, in order."""
    problems: dict[str, list[str]] = {}
    if kind == PatrolKind.PATROL and until is not None and until != first:
        problems["until"] = ["only a stationing has a last day"]
    if kind == PatrolKind.STATIONING:
        if until is None:
            problems["until"] = ["required for a stationing"]
        elif until < first:
            problems["until"] = ["must not be before date"]
        elif (until - first).days >= MAX_STATIONING_DAYS:
            problems["until"] = [f"a stationing lasts at most {MAX_STATIONING_DAYS} days"]
    if today is not None and first < today:
        problems["date"] = ["must not be in the past"]
    if problems:
        raise ValidationError(INVALID, fields=problems)


def _require_staff(user: User) -> None:
    if user.role not in TOWNSHIP_ROLES:
        raise ForbiddenError("Only township staff plan patrols.")


def create_patrol(user: User, data: dict[str, Any]) -> tuple[Patrol, bool]:
    """Plan a patrol or a stationing (township staff, idempotent by id); returns ``(patrol, created)``."""
    _require_staff(user)
    village = db.session.scalar(select(Village).where(Village.id == data["village_id"], village_clause(user)))
    if village is None:
        raise ValidationError(INVALID, fields={"village_id": ["no such village in your area"]})
    kind = data.get("kind") or PatrolKind.PATROL
    _check_period(kind, data["date"], data.get("until"))
    team = list(dict.fromkeys(data["team"]))
    _check_team(team, village.township_id)
    # A first-edition body (no kind, no until) hashes as it always did: replays stay replays.
    hashed = {k: v for k, v in data.items() if not (k == "until" and v is None)}
    if hashed.get("kind") == PatrolKind.PATROL:
        hashed.pop("kind")

    def build(digest: str) -> Patrol:
        return Patrol(
            id=data.get("id") or uuid.uuid4(),
            village_id=village.id,
            township_id=village.township_id,
            kind=kind,
            date=data["date"],
            until=data.get("until") if kind == PatrolKind.STATIONING else None,
            team=[str(member) for member in team],
            note=data.get("note"),
            status=PatrolStatus.PLANNED,
            revision=0,
            created_by=user.id,
            request_hash=digest,
        )

    patrol, created = insert_once(Patrol, hashed, build)
    db.session.commit()
    return patrol, created


def get_patrol(user: User, patrol_id: uuid.UUID) -> Patrol:
    """A patrol of a village the user may see, or 404."""
    query = select(Patrol).where(
        Patrol.id == patrol_id, Patrol.village_id.in_(select(Village.id).where(village_clause(user)))
    )
    patrol = db.session.scalar(query)
    if patrol is None:
        raise NotFoundError("No such patrol.")
    return patrol


def _changeable(user: User, patrol_id: uuid.UUID, today: date) -> Patrol:
    """The patrol, locked, if the user may change it and it has neither started nor been cancelled."""
    _require_staff(user)
    get_patrol(user, patrol_id)
    patrol = db.session.scalars(
        select(Patrol)
        .where(Patrol.id == patrol_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if patrol.status == PatrolStatus.CANCELLED:
        raise ConflictError(
            "This patrol is cancelled.", code="invalid_transition", extra={"current_status": patrol.status}
        )
    if patrol.date <= today:
        raise ConflictError(
            "This patrol has started: it can no longer be changed.",
            code="invalid_transition",
            extra={"current_status": "started"},
        )
    return patrol


def update_patrol(
    user: User, patrol_id: uuid.UUID, data: dict[str, Any], now: datetime | None = None
) -> Patrol:
    """Change date, last day, team or note before the patrol starts; residents told get a correction."""
    moment = now or utcnow()
    today = local_today(moment)
    patrol = _changeable(user, patrol_id, today)
    first = data.get("date", patrol.date)
    until = data.get("until", patrol.until)
    try:
        _check_period(patrol.kind, first, until, today if "date" in data else None)
        if "team" in data:
            _check_team(list(dict.fromkeys(data["team"])), patrol.township_id)
    except ValidationError:
        db.session.rollback()
        raise
    moved = (first, until) != (patrol.date, patrol.until)
    patrol.date, patrol.until = first, until
    if "team" in data:
        patrol.team = [str(member) for member in dict.fromkeys(data["team"])]
    if "note" in data:
        patrol.note = data["note"]
    patrol.updated_at = moment
    if moved:
        patrol.revision += 1
        notices.correct(patrol, now=moment)
    db.session.commit()
    return patrol


def cancel_patrol(user: User, patrol_id: uuid.UUID, reason: str, now: datetime | None = None) -> Patrol:
    """Cancel before it starts; residents already told get a short correction SMS (once)."""
    moment = now or utcnow()
    patrol = _changeable(user, patrol_id, local_today(moment))
    patrol.status = PatrolStatus.CANCELLED
    patrol.cancel_reason = reason
    patrol.cancelled_at = moment
    patrol.updated_at = moment
    notices.correct(patrol, now=moment)
    db.session.commit()
    return patrol


def list_patrols(
    user: User, township_id: uuid.UUID | None, date_from: date | None, date_to: date | None
) -> list[Patrol]:
    """Patrols of villages the user may see (a stationing while any of its days is in range), by date."""
    if (
        township_id is not None
        and db.session.scalar(select(Township.id).where(Township.id == township_id, township_clause(user)))
        is None
    ):
        raise NotFoundError("No such township.")
    query = select(Patrol).where(Patrol.village_id.in_(select(Village.id).where(village_clause(user))))
    if township_id is not None:
        query = query.where(Patrol.township_id == township_id)
    if date_from is not None:
        query = query.where(db.func.coalesce(Patrol.until, Patrol.date) >= date_from)
    if date_to is not None:
        query = query.where(Patrol.date <= date_to)
    return list(db.session.scalars(query.order_by(Patrol.date, Patrol.village_id, Patrol.id)))


def names_member(user: User) -> ColumnElement[bool]:
    """Patrols whose team names ``user`` (the JSON list read as text, on every database)."""
    return cast(Patrol.team, Text).like(f'%"{user.id}"%')


def coming_for(user: User, query: Select[Any]) -> Select[Any]:
    """The sync pull's patrols: coming ones (not yet over) in the caller's area or with the caller on the team."""
    in_area = resident_village_clause(user, Patrol.village_id)
    return query.where(
        or_(in_area, names_member(user)), func.coalesce(Patrol.until, Patrol.date) >= local_today()
    )
