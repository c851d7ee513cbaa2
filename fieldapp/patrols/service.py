"""Planning patrols: township staff send a team to a village on a date."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from fieldapp.auth.models import User
from fieldapp.auth.scoping import TOWNSHIP_ROLES, township_clause, village_clause
from fieldapp.errors import ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.idempotency import insert_once
from fieldapp.org.models import Township, Village
from fieldapp.patrols.models import Patrol


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
            "Some fields are not valid.",
            fields={"team": [f"not a member of this township's staff: {', '.join(strangers)}"]},
        )


def create_patrol(user: User, data: dict[str, Any]) -> tuple[Patrol, bool]:
    """Plan a patrol (township staff, idempotent by id); returns ``(patrol, created)``."""
    if user.role not in TOWNSHIP_ROLES:
        raise ForbiddenError("Only township staff plan patrols.")
    village = db.session.scalar(select(Village).where(Village.id == data["village_id"], village_clause(user)))
    if village is None:
        raise ValidationError(
            "Some fields are not valid.", fields={"village_id": ["no such village in your area"]}
        )
    team = list(dict.fromkeys(data["team"]))
    _check_team(team, village.township_id)

    def build(digest: str) -> Patrol:
        return Patrol(
            id=data.get("id") or uuid.uuid4(),
            village_id=village.id,
            township_id=village.township_id,
            date=data["date"],
            team=[str(member) for member in team],
            note=data.get("note"),
            created_by=user.id,
            request_hash=digest,
        )

    patrol, created = insert_once(Patrol, data, build)
    db.session.commit()
    return patrol, created


def list_patrols(
    user: User, township_id: uuid.UUID | None, date_from: date | None, date_to: date | None
) -> list[Patrol]:
    """Patrols of villages the user may see, by date then village; a hidden township is 404."""
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
        query = query.where(Patrol.date >= date_from)
    if date_to is not None:
        query = query.where(Patrol.date <= date_to)
    return list(db.session.scalars(query.order_by(Patrol.date, Patrol.village_id, Patrol.id)))
