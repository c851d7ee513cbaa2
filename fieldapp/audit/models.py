"""Who read or changed which resident record, and who read lists of them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import BigIntId, UTCDateTime
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """One read or change of a resident's record by a user, or one bulk read (a list, a
    search, an export, a sync pull: ``entity`` names it, ``filters`` and ``row_count`` say
    what was asked and how many rows went out)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    entity: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    address: Mapped[str | None] = mapped_column(String(64))
    filters: Mapped[str | None] = mapped_column(Text)  # JSON object
    row_count: Mapped[int | None] = mapped_column(Integer)
