"""Trainings of rural doctors and guidance visits by county-hospital staff."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.auth.models import User
from fieldapp.dbtypes import Idempotent, Timestamped, new_id
from fieldapp.extensions import db

training_attendees = Table(
    "training_attendees",
    db.Model.metadata,
    Column("training_id", ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Training(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A training course: its first day, length in days, topic, organiser (attendees beside it)."""

    __tablename__ = "trainings"
    __table_args__ = (Index("ix_trainings_township_starts", "township_id", "starts_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # The recording manager's township; None when the county organised it.
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("townships.id"))
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    topic: Mapped[str] = mapped_column(String(200), nullable=False)
    organiser: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    attendees: Mapped[list[User]] = relationship(secondary=training_attendees, lazy="selectin")

    @property
    def attendee_ids(self) -> list[uuid.UUID]:
        """Ids of the doctors who attended."""
        return [user.id for user in self.attendees]


class GuidanceVisit(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A county specialist's guidance visit (or training) at a township centre or village clinic."""

    __tablename__ = "guidance_visits"
    __table_args__ = (Index("ix_guidance_visits_township_on", "township_id", "visited_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    visited_on: Mapped[date] = mapped_column(Date, nullable=False)
    staff_name: Mapped[str] = mapped_column(String(120), nullable=False)
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facilities.id"), nullable=False)
    place: Mapped[str] = mapped_column(String(16), nullable=False)
    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("townships.id"), nullable=False)
    village_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("villages.id"))
    topic: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
