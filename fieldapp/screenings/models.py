"""Screenings and the outcomes of their suspected results."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
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
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import (
    Idempotent,
    Synced,
    Timestamped,
    UTCDateTime,
    new_id,
)
from fieldapp.extensions import db
from fieldapp.residents.models import carries_village

# A screening with any suspected result (``suspected_any``), and as SQL a partial index can name.
SUSPECTED_PATTERN = '%"suspected_%'
SUSPECTED_SQL = f"CAST(results AS TEXT) LIKE '{SUSPECTED_PATTERN}'"


@carries_village
class Screening(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """One screening measurement of a resident, with the results the server gave it."""

    __tablename__ = "screenings"
    __table_args__ = (
        Index("ix_screenings_resident_performed", "resident_id", "performed_at"),
        Index("ix_screenings_performed_at", "performed_at"),
        # A township's screenings of a year (indicators), without a join to residents.
        Index(
            "ix_screenings_village_performed",
            "village_id",
            "performed_at",
            postgresql_include=["resident_id"],
        ),
        # The screening queue of some villages: open screenings by village and confirm_by.
        Index(
            "ix_screenings_open_village",
            "village_id",
            "confirm_by",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The screening queue: open screenings by the date they must be followed up by.
        Index(
            "ix_screenings_open",
            "confirm_by",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # A sync pull of an area: each village's screenings in the change stream's order.
        Index("ix_screenings_village_change", "village_id", "change_seq", "id"),
        # A township's suspected screenings of a year (indicators), from the index alone: read
        # from the heap, a township's year of screenings lay on one heap page each at 3 million.
        Index(
            "ix_screenings_suspected_village",
            "village_id",
            "performed_at",
            postgresql_include=["resident_id", "id"],
            sqlite_where=text(SUSPECTED_SQL),
            postgresql_where=text(SUSPECTED_SQL),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False)
    # The resident's village, copied (and kept in step when they move) for township figures and sync.
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False)
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    sbp: Mapped[int | None] = mapped_column(Integer)
    dbp: Mapped[int | None] = mapped_column(Integer)
    fasting_glucose: Mapped[float | None] = mapped_column(Float)
    risk_factors: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    results: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    confirm_by: Mapped[date | None] = mapped_column(Date)
    # open while a suspected condition waits for its confirmation or exclusion.
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    # Per suspected condition, its outcome so far: {"hypertension": {"outcome", "on", "enrollment_id"}}.
    outcomes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    performed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ScreeningOutcome(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """One attempt to confirm or exclude a suspected condition (``not_reached`` may repeat)."""

    __tablename__ = "screening_outcomes"
    __table_args__ = (
        # One confirmation or exclusion per screening and condition, whoever sends it first.
        Index(
            "uq_screening_outcomes_final",
            "screening_id",
            "condition",
            unique=True,
            sqlite_where=text("outcome IN ('confirmed', 'excluded')"),
            postgresql_where=text("outcome IN ('confirmed', 'excluded')"),
        ),
        Index("ix_screening_outcomes_outcome_on", "outcome", "outcome_on"),
        # A screening's outcomes (the indicators' confirmations of an area's suspected screenings).
        Index("ix_screening_outcomes_screening", "screening_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    screening_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("screenings.id"), nullable=False)
    # Indexed as every key a resident's or an enrollment's removal checks: without one, each
    # removed row read the whole table (a register import's rollback of 100,000 residents).
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False, index=True)
    condition: Mapped[str] = mapped_column(String(16), nullable=False)
    outcome: Mapped[str] = mapped_column(String(12), nullable=False)
    on: Mapped[date] = mapped_column("outcome_on", Date, nullable=False)
    facility: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollments.id"), index=True)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
