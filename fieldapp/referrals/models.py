"""Upward referrals to county facilities and their escalations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.dbtypes import BigIntId, Idempotent, Synced, UTCDateTime, new_id
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow


class Referral(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A referral of a resident from a township to a county facility."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_facility_status", "facility_id", "status"),
        Index("ix_referrals_township_status", "township_id", "status"),
        Index("ix_referrals_status_deadline", "status", "ack_deadline"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(BigInteger, unique=True, nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False, index=True)
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facilities.id"), nullable=False)
    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("townships.id"), nullable=False)
    # Indexed: removing a follow-up checks its referrals (a scan of the table each, unindexed).
    followup_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("followups.id"), index=True)
    referred_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    urgency: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    # The referral sheet (双向转诊单): first impression and treatment given, upward; the
    # down-referral's diagnosis, main findings, treatment plan and rehabilitation advice.
    impression: Mapped[str | None] = mapped_column(Text)
    treatment_given: Mapped[str | None] = mapped_column(Text)
    diagnosis: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str | None] = mapped_column(Text)
    treatment_plan: Mapped[str | None] = mapped_column(Text)
    rehab_advice: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    ack_deadline: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    escalation_level: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_note: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    completion_note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    escalations: Mapped[list[ReferralEscalation]] = relationship(
        order_by="ReferralEscalation.level", lazy="selectin"
    )

    @property
    def reference(self) -> str:
        """The short human reference staff messages use (``R-000123``)."""
        return f"R-{self.number:06d}"


class ReferralEscalation(db.Model):  # type: ignore[name-defined,misc]
    """One escalation level reached by a referral: recorded once, with who was told."""

    __tablename__ = "referral_escalations"
    __table_args__ = (UniqueConstraint("referral_id", "level"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    notified: Mapped[list[dict[str, str]]] = mapped_column(JSON, nullable=False, default=list)
