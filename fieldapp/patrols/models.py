"""Patrols: a township team's planned day in a village without a doctor, or a stationed period."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import Idempotent, Synced, UTCDateTime, new_id
from fieldapp.extensions import db


class PatrolKind(StrEnum):
    """A one-day patrol (巡诊) or a stationed service (驻村服务) from ``date`` to ``until``."""

    PATROL = "patrol"
    STATIONING = "stationing"


class PatrolStatus(StrEnum):
    """Planned until cancelled (a change keeps it planned)."""

    PLANNED = "planned"
    CANCELLED = "cancelled"


class Patrol(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A planned patrol of one village on one date, or a stationing from ``date`` to ``until``."""

    __tablename__ = "patrols"
    __table_args__ = (
        Index("ix_patrols_township_date", "township_id", "date"),
        Index("ix_patrols_date", "date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False, index=True)
    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("townships.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default=PatrolKind.PATROL)
    date: Mapped[date] = mapped_column(Date, nullable=False)
    # The last day of a stationing; a patrol's is its date.
    until: Mapped[dt.date | None] = mapped_column(Date)
    team: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PatrolStatus.PLANNED)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Counts the changes of date: each one's correction SMS is sent once.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    @property
    def last_day(self) -> dt.date:
        """The last day the team is in the village."""
        return self.until or self.date
