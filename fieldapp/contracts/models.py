"""Family-doctor teams, their members, residents' contracts and the county's service packages."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.auth.models import User
from fieldapp.dbtypes import Idempotent, Synced, Timestamped, new_id
from fieldapp.extensions import db
from fieldapp.residents.models import carries_village

BASIC_PACKAGE = "basic"


class MemberRole(StrEnum):
    """A member's place in a team."""

    LEAD = "lead"
    VILLAGE_DOCTOR = "village_doctor"
    NURSE = "nurse"
    PUBLIC_HEALTH = "public_health"
    SPECIALIST = "specialist"


class ContractStatus(StrEnum):
    """A contract's status on a day: ``expired`` follows from ``ends_on``, never stored."""

    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class ServicePackage(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A service package the county offers (``basic`` always; personalised ones it names)."""

    __tablename__ = "service_packages"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Team(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A township's family-doctor team."""

    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("townships.id"), nullable=False, index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    members: Mapped[list[TeamMember]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="TeamMember.role"
    )


class TeamMember(db.Model):  # type: ignore[name-defined,misc]
    """One member of staff in a team, with their role."""

    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)

    user: Mapped[User] = relationship(lazy="joined")


@carries_village
class Contract(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A resident's contract with a team for a period; a renewal names the contract it renews."""

    __tablename__ = "contracts"
    __table_args__ = (
        Index("ix_contracts_resident_period", "resident_id", "starts_on", "ends_on"),
        Index("ix_contracts_ends_on", "ends_on"),
        # A township's figures read its villages' contracts without the residents table.
        Index("ix_contracts_village_ends_on", "village_id", "ends_on"),
        # A sync pull of an area: each village's contracts in the change stream's order.
        Index("ix_contracts_village_change", "village_id", "change_seq", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False)
    # The resident's village, kept with the resident (carries_village): a copy, so figures by area
    # and sync need no join.
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), nullable=False, index=True)
    signed_on: Mapped[date] = mapped_column(Date, nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    packages: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # A contract is renewed at most once: the renewal names it, uniquely.
    renews: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contracts.id"), unique=True)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)

    def status_on(self, day: date) -> ContractStatus:
        """``terminated`` once terminated; ``expired`` after ``ends_on``; else ``active``."""
        if self.terminated_on is not None:
            return ContractStatus.TERMINATED
        if self.ends_on < day:
            return ContractStatus.EXPIRED
        return ContractStatus.ACTIVE
