"""Read-only queries the console needs that no area service offers; each bounded and area-scoped."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import User
from fieldapp.extensions import db
from fieldapp.residents.models import Resident


@dataclass(frozen=True)
class AuditRow:
    """One audit entry with the names a reader needs."""

    at: datetime
    action: str
    entity: str
    entity_id: uuid.UUID
    username: str | None
    resident_name: str | None
    address: str | None


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
    listed = (
        query.add_columns(User.username, Resident.name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .outerjoin(Resident, (AuditEntry.entity == "resident") & (Resident.id == AuditEntry.entity_id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [
        AuditRow(e.at, e.action, e.entity, e.entity_id, username, name, e.address)
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
