"""Users, their villages, and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.dbtypes import BigIntId, Idempotent, Timestamped, UTCDateTime, new_id
from fieldapp.extensions import db
from fieldapp.org.models import Facility, Township, Village
from fieldapp.timeutil import utcnow


class Role(StrEnum):
    """The five roles of API.md."""

    VILLAGE_DOCTOR = "village_doctor"
    TOWNSHIP_DOCTOR = "township_doctor"
    TOWNSHIP_MANAGER = "township_manager"
    REFERRAL_DESK = "referral_desk"
    COUNTY_ADMIN = "county_admin"


user_villages = Table(
    "user_villages",
    db.Model.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("village_id", ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A member of staff who signs in."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("townships.id"), index=True)
    facility_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="zh")
    # Raised when every session must end (sign-out, password change, deactivation): a
    # session cookie carries the version it was signed in under and is refused once it differs.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    township: Mapped[Township | None] = relationship(lazy="joined")
    facility: Mapped[Facility | None] = relationship(lazy="joined")
    villages: Mapped[list[Village]] = relationship(secondary=user_villages, lazy="selectin")

    @property
    def village_ids(self) -> list[uuid.UUID]:
        """Ids of the villages this user serves."""
        return [v.id for v in self.villages]


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class SignInFailure(db.Model):  # type: ignore[name-defined,misc]
    """One failed sign-in: the counters of the sign-in limits, shared by every process."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_account_address_at", "account", "address", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    account: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
