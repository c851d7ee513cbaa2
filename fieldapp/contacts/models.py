"""Attempts to reach a resident on the overdue list (DOMAIN.md, reaching the overdue)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import Idempotent, Synced, UTCDateTime, new_id
from fieldapp.extensions import db
from fieldapp.residents.models import carries_village


@carries_village
class ContactAttempt(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """One try to reach a resident: how, when, and what came of it."""

    __tablename__ = "contact_attempts"
    __table_args__ = (
        Index("ix_contact_attempts_resident_at", "resident_id", "at"),
        # A sync pull of an area: each village's attempts in the change stream's order.
        Index("ix_contact_attempts_village_change", "village_id", "change_seq", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False)
    # The resident's village, a copy kept in step (residents.models.carries_village): sync reads by it.
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    result: Mapped[str] = mapped_column(String(16), nullable=False)
    come_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
