"""Read-only queries the console needs that no area service offers; each bounded and area-scoped."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import User
from fieldapp.auth.scoping import referral_clause, resident_clause, resident_village_clause
from fieldapp.dbtypes import fixed
from fieldapp.extensions import db
from fieldapp.followups import rules
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.messaging.models import InboundMessage
from fieldapp.messaging.service import list_messages
from fieldapp.org.models import Village
from fieldapp.referrals.models import Referral
from fieldapp.residents.models import Resident


@dataclass(frozen=True)
class AuditRow:
    """One audit entry with the names a reader needs."""

    at: datetime
    action: str
    entity: str
    entity_id: uuid.UUID | None
    username: str | None
    resident_name: str | None
    address: str | None
    filters: dict[str, Any] | None  # a bulk read: what was asked ...
    row_count: int | None  # ... and how many rows went out


def audit_page(
    *, user_id: uuid.UUID | None, entity_id: uuid.UUID | None, page: int, per_page: int
) -> tuple[list[AuditRow], int]:
    """A page of the audit log, newest first (county admin only: the whole deployment)."""
    query = select(AuditEntry)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # The resident a record belongs to, so the log names a person rather than an id.
    owner = func.coalesce(
        case((AuditEntry.entity == "resident", AuditEntry.entity_id)),
        Referral.resident_id,
        Enrollment.resident_id,
        FollowUp.resident_id,
    )
    listed = (
        query.add_columns(User.username, Resident.name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .outerjoin(Referral, (AuditEntry.entity == "referral") & (Referral.id == AuditEntry.entity_id))
        .outerjoin(Enrollment, (AuditEntry.entity == "enrollment") & (Enrollment.id == AuditEntry.entity_id))
        .outerjoin(FollowUp, (AuditEntry.entity == "followup") & (FollowUp.id == AuditEntry.entity_id))
        .outerjoin(Resident, Resident.id == owner)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [
        AuditRow(
            e.at,
            e.action,
            e.entity,
            e.entity_id,
            username,
            name,
            e.address,
            json.loads(e.filters) if e.filters else None,
            e.row_count,
        )
        for e, username, name in db.session.execute(listed)
    ]
    return rows, total


def pages(total: int, page: int, per_page: int) -> dict[str, Any]:
    """What a pager shows: current page, last page, previous and next."""
    last = max(1, -(-total // per_page))
    return {
        "page": page,
        "last": last,
        "prev": page - 1 if page > 1 else None,
        "next": page + 1 if page < last else None,
        "total": total,
    }


@dataclass(frozen=True)
class ResidentHistory:
    """What a resident's page shows besides the resident: history, messages, referrals."""

    followups: list[Any]
    messages: list[Any]
    replies: list[Any]
    referrals: list[Any]


HISTORY_LIMIT = 100


def resident_history(user: User, resident_id: uuid.UUID, *, with_messages: bool) -> ResidentHistory:
    """A visible resident's follow-ups, SMS both ways and referrals (the caller checked visibility)."""
    followups = list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.resident_id == resident_id)
            .order_by(FollowUp.performed_at.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    referrals = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.resident_id == resident_id, referral_clause(user))
            .order_by(Referral.created_at.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    if not with_messages:
        return ResidentHistory(followups, [], [], referrals)
    messages, _total = list_messages(user, {"resident_id": resident_id}, 1, HISTORY_LIMIT, audit=False)
    replies = list(
        db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.resident_id == resident_id)
            .order_by(InboundMessage.received_at.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    return ResidentHistory(followups, messages, replies, referrals)


def visible_residents(user: User, ids: set[uuid.UUID]) -> dict[uuid.UUID, Resident]:
    """The residents among ``ids`` that the user may see, by id (one query for a whole list)."""
    if not ids:
        return {}
    rows = db.session.scalars(select(Resident).where(Resident.id.in_(ids), resident_clause(user)))
    return {resident.id: resident for resident in rows}


def names_by_id(model: Any, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """``model.name`` for each id (townships, facilities: names are not area-bound)."""
    if not ids:
        return {}
    rows = db.session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    return {row_id: name for row_id, name in rows}


def users_by_id(ids: set[uuid.UUID | None]) -> dict[uuid.UUID, User]:
    """Staff by id (a referral's referring doctor: name and phone for the desk)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def queue_counts_by_village(
    user: User,
    township_id: uuid.UUID,
    condition: str | None,
    today: date,
    village_ids: list[uuid.UUID] | None = None,
) -> dict[uuid.UUID, dict[str, int]]:
    """Active enrollments per village of the township that are due, overdue and lost (one GROUP BY).

    ``village_ids`` narrows it to those villages (a doctor's, when the queue is filtered by doctor).
    """
    due_end = today + timedelta(days=int(rules.RULES["due_window_days"].value))
    lost_before = today - timedelta(days=int(rules.RULES["lost_after_days"].value))
    due = Enrollment.next_due_on
    query = (
        select(
            Resident.village_id,
            func.sum(case((due.between(today, due_end), 1), else_=0)),
            func.sum(case((due < today, 1), else_=0)),
            func.sum(case((due < lost_before, 1), else_=0)),
        )
        .join(Enrollment, Enrollment.resident_id == Resident.id)
        .where(
            Enrollment.status == fixed("active"),
            due <= due_end,
            resident_village_clause(user, Resident.village_id),
            Resident.village_id.in_(select(Village.id).where(Village.township_id == township_id)),
        )
        .group_by(Resident.village_id)
    )
    if condition:
        query = query.where(Enrollment.condition == condition)
    if village_ids is not None:
        query = query.where(Resident.village_id.in_(village_ids))
    return {
        village_id: {"due": int(d or 0), "overdue": int(o or 0), "lost": int(lost or 0)}
        for village_id, d, o, lost in db.session.execute(query)
    }
