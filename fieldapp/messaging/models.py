"""SMS messages (outbound and inbound), opt-outs and Web Push subscriptions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import BigIntId, Timestamped, UTCDateTime, new_id
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow


class MessageStatus(StrEnum):
    """The life of an outbound SMS."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class MessageKind(StrEnum):
    """Why an SMS was sent."""

    REMINDER = "reminder"
    OVERDUE = "overdue"
    REFERRAL = "referral"
    ESCALATION = "escalation"
    PATROL = "patrol"
    REPLY = "reply"
    CONTRACT_RENEWAL = "contract_renewal"
    VERIFICATION = "verification"


class Message(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """An outbound SMS; ``dedupe_key`` makes each one exist once whoever asks twice."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_status_send_after", "status", "send_after"),
        Index("ix_messages_resident_created", "resident_id", "created_at"),
        Index("ix_messages_township_created", "township_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    to: Mapped[str | None] = mapped_column(String(20))
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("residents.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    facility_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("facilities.id"))
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("townships.id"))
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    segments: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=MessageStatus.QUEUED)
    suppressed_reason: Mapped[str | None] = mapped_column(String(20))
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Resident messages wait for the send window (DOMAIN.md quiet hours); staff alerts do not.
    respect_quiet_hours: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EnrollmentNotice(db.Model):  # type: ignore[name-defined,misc]
    """A reminder or overdue notice given for one enrollment and due date: at most once each."""

    __tablename__ = "enrollment_notices"
    __table_args__ = (UniqueConstraint("enrollment_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.id"), nullable=False, index=True)


class InboundMessage(db.Model):  # type: ignore[name-defined,misc]
    """An SMS a resident sent us, and what we made of it."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("residents.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SmsOptOut(db.Model):  # type: ignore[name-defined,misc]
    """A phone number that asked for no more SMS."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class PushSubscription(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A browser's Web Push subscription for a member of staff."""

    __tablename__ = "push_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    endpoint: Mapped[str] = mapped_column(Text, unique=True, nullable=False)
    p256dh: Mapped[str] = mapped_column(String(200), nullable=False)
    auth: Mapped[str] = mapped_column(String(100), nullable=False)


class PushDelivery(db.Model):  # type: ignore[name-defined,misc]
    """A push notification owed to a user, sent once per ``dedupe_key``."""

    __tablename__ = "push_deliveries"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    urgency: Mapped[str] = mapped_column(String(8), nullable=False, default="normal")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
