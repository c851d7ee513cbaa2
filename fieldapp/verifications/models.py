"""Monthly verification draws and the questions asked of residents."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import Timestamped, UTCDateTime, new_id
from fieldapp.extensions import db
from fieldapp.verifications.rules import VerificationStatus


class VerificationDraw(db.Model):  # type: ignore[name-defined,misc]
    """One month's draw, once: its seed makes the sample reproducible."""

    __tablename__ = "verification_draws"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    month: Mapped[str] = mapped_column(String(7), unique=True, nullable=False)  # "2026-11"
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Verification(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A follow-up checked with its resident by SMS; a follow-up is drawn at most once, ever."""

    __tablename__ = "verifications"
    __table_args__ = (
        Index("ix_verifications_phone_status", "phone", "status"),
        Index("ix_verifications_status_answer_by", "status", "answer_by"),
        Index("ix_verifications_township_status", "township_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    draw_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("verification_draws.id"), nullable=False, index=True
    )
    followup_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("followups.id"), unique=True, nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False, index=True)
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("townships.id"), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)
    performed_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=VerificationStatus.ASKED)
    # When the question goes out (the send window may hold it) and until when 1/2 answers it.
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    answer_by: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id"))
    finding: Mapped[str | None] = mapped_column(String(16))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
