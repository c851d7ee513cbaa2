"""Residents' SMS replies kept for their doctors, and the residents each belongs to."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.dbtypes import Synced, UTCDateTime, new_id
from fieldapp.extensions import db


class Reply(Synced, db.Model):  # type: ignore[name-defined,misc]
    """A resident's SMS kept for the doctor to read (not an opt-out, opt-in or confirmation)."""

    __tablename__ = "replies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), unique=True, nullable=False)
    from_number: Mapped[str] = mapped_column(String(20), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    residents: Mapped[list[ReplyResident]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class ReplyResident(db.Model):  # type: ignore[name-defined,misc]
    """DOMAIN.md, household phones: a reply from a number belongs to every resident who has it."""

    __tablename__ = "reply_residents"

    reply_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("replies.id"), primary_key=True)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), primary_key=True, index=True)
