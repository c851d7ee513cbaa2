"""Residents: the people fieldapp follows up."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Uuid, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from fieldapp.dbtypes import Idempotent, Synced, new_id
from fieldapp.extensions import db
from fieldapp.org.models import Village


class Resident(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A resident of a village, identified by UUID (and optionally id number)."""

    __tablename__ = "residents"
    __table_args__ = (Index("ix_residents_village_name", "village_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    sex: Mapped[str] = mapped_column(String(1), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False, index=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    # 居民健康档案编号: given at the first flush unless brought along (see record_numbers).
    record_number: Mapped[str] = mapped_column(String(17), unique=True, nullable=False)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    sms_consent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    opted_out: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    phone_invalid: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="zh")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    village: Mapped[Village] = relationship(lazy="joined")


@event.listens_for(Session, "before_flush")
def _number_new_residents(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Give the residents this flush inserts their record numbers (after the villages' codes)."""
    new = [obj for obj in session.new if isinstance(obj, Resident)]
    if new:
        from fieldapp.residents.record_numbers import assign_record_numbers

        assign_record_numbers(session, new)
