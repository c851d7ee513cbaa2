"""Patrols: a township team's planned day in a village without a doctor."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Index, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import Idempotent, Timestamped, new_id
from fieldapp.extensions import db


class Patrol(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A planned patrol of one village on one date."""

    __tablename__ = "patrols"
    __table_args__ = (
        Index("ix_patrols_township_date", "township_id", "date"),
        Index("ix_patrols_date", "date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False, index=True)
    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("townships.id"), nullable=False)
    date: Mapped[date] = mapped_column(Date, nullable=False)
    team: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
