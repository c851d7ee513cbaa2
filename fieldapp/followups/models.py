"""Enrollments in chronic-disease management, follow-ups and visits."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.dbtypes import Idempotent, Synced, UTCDateTime, new_id
from fieldapp.extensions import db
from fieldapp.followups.items import RECORD_DATES, RECORD_ITEMS
from fieldapp.residents.models import Resident, carries_village


@carries_village
class Enrollment(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A resident enrolled for hypertension or diabetes management."""

    __tablename__ = "enrollments"
    __table_args__ = (
        # One active enrollment per resident and condition, enforced by the database.
        Index(
            "uq_enrollments_active_condition",
            "resident_id",
            "condition",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # Reminder scans: active enrollments by due date.
        Index("ix_enrollments_status_due", "status", "next_due_on"),
        # A sync pull of an area: each village's enrollments in the change stream's order.
        Index("ix_enrollments_village_change", "village_id", "change_seq", "id"),
        # The follow-up queues: active enrollments of some villages by due date, without a join.
        Index(
            "ix_enrollments_queue",
            "village_id",
            "next_due_on",
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
            # The queues' keys ride along: a township's page and total read no enrollment rows.
            postgresql_include=["id", "resident_id", "condition"],
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False, index=True)
    # The resident's village, copied so the county-wide queues filter one table (kept in step: carries_village).
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False)
    condition: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    diagnosed_on: Mapped[date | None] = mapped_column(Date)
    enrolled_on: Mapped[date] = mapped_column(Date, nullable=False)
    next_due_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(16))
    death_on: Mapped[date | None] = mapped_column(Date)
    death_cause: Mapped[str | None] = mapped_column(String(500))
    close_note: Mapped[str | None] = mapped_column(Text)
    appointment_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    resident: Mapped[Resident] = relationship(lazy="raise")


# The follow-up columns the indicators read, carried in its date indexes.
REPORT_COLUMNS = ["resident_id", "condition", "mode", "complete", "sbp", "dbp", "fasting_glucose"]


@carries_village
class FollowUp(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """One follow-up of one enrollment, classified by the server: the national form's record.

    Items the rules and reports read are columns; the rest of the form (items.RECORD_ITEMS)
    is the validated ``record`` JSON; medicines are rows of their own.
    """

    __tablename__ = "followups"
    __table_args__ = (
        # The ranges carry what the indicators read (PostgreSQL: index-only scans): a township's
        # year village by village, the county's year by date, never the wide rows.
        Index(
            "ix_followups_enrollment_performed",
            "enrollment_id",
            "performed_at",
            postgresql_include=REPORT_COLUMNS,
        ),
        Index(
            "ix_followups_village_performed", "village_id", "performed_at", postgresql_include=REPORT_COLUMNS
        ),
        Index("ix_followups_resident_performed", "resident_id", "performed_at"),
        Index("ix_followups_performed_at", "performed_at", postgresql_include=REPORT_COLUMNS),
        # A sync pull of an area: each village's follow-ups in the change stream's order.
        Index("ix_followups_village_change", "village_id", "change_seq", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False)
    # The resident's village, a copy kept in step (residents.models.carries_village): sync reads by it.
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False)
    condition: Mapped[str] = mapped_column(String(16), nullable=False)
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    mode: Mapped[str] = mapped_column(String(8), nullable=False)
    # Measured face to face; a phone follow-up's are what the resident said, or none.
    sbp: Mapped[int | None] = mapped_column(Integer)
    dbp: Mapped[int | None] = mapped_column(Integer)
    heart_rate: Mapped[int | None] = mapped_column(Integer)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    fasting_glucose: Mapped[float | None] = mapped_column(Float)
    danger_signs: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    adverse_reaction: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    new_complication: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    worsened_complication: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    medication_adherence: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    # The form's other items (symptoms, lifestyle, ...), as the schema validated them.
    record: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # False: the body said nothing of medicines; True with no rows: "none".
    medications_recorded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Face to face (clinic, home): its values are measurements the rules read.
    measured: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Received more than 7 days after performed_at (DOMAIN.md "Late entry").
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    missing_items: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    bmi: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    classification: Mapped[str] = mapped_column(String(20), nullable=False)
    urgent_referral: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    referral_recommended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    next_due_on: Mapped[date] = mapped_column(Date, nullable=False)
    performed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)

    medication_rows: Mapped[list[FollowUpMedication]] = relationship(
        lazy="selectin", order_by="FollowUpMedication.position", cascade="all, delete-orphan"
    )

    @property
    def medications(self) -> list[dict[str, Any]] | None:
        """The medicines as the form lists them; None when the record said nothing of them."""
        if not self.medications_recorded:
            return None
        return [
            {"name": row.name, "times_per_day": row.times_per_day, "dose": row.dose}
            for row in self.medication_rows
        ]


def _record_item(name: str) -> property:
    """A form item kept in ``record``, read like a column (schemas dump it by name)."""

    def read(followup: FollowUp) -> Any:
        value = (followup.record or {}).get(name)
        return date.fromisoformat(value) if value and name in RECORD_DATES else value

    return property(read, doc=f"The form's ``{name}``, from the record JSON.")


for _name in RECORD_ITEMS:
    setattr(FollowUp, _name, _record_item(_name))


class FollowUpMedication(db.Model):  # type: ignore[name-defined,misc]
    """One medicine of a follow-up's 用药情况: name, times a day, dose."""

    __tablename__ = "followup_medications"

    followup_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("followups.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    times_per_day: Mapped[int | None] = mapped_column(Integer)
    dose: Mapped[str | None] = mapped_column(String(100))


class Visit(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A door-to-door, patrol or education visit to a village."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_village_visited", "village_id", "visited_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("residents.id"), index=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    performed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
