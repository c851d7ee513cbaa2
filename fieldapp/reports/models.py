"""Counts kept as records are written, for the reports that would otherwise read a whole county."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import UTCDateTime
from fieldapp.extensions import db


class FollowUpYear(db.Model):  # type: ignore[name-defined,misc]
    """One resident's follow-ups of one condition in one local calendar year, aggregated.

    Kept by PostgreSQL triggers on ``followups`` (``fieldapp.reports.counts``) in the writing
    transaction, by any path: a new follow-up adds to its row, an edit or deletion recounts
    its resident's rows. The county's indicators read a year's rows (586,000 at 3 million
    residents) instead of the year's follow-ups (3.85 million). Derived data: no foreign keys,
    rebuilt by ``flask report-counts``. On SQLite the table stays empty and the reports read
    the records.
    """

    __tablename__ = "followup_years"

    resident_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    condition: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    face_to_face: Mapped[int] = mapped_column(Integer, nullable=False)
    # The newest face-to-face follow-up, the newest of any mode, the newest complete one, and
    # the newest face-to-face one on target by the limits under 65 and from 65.
    measured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    complete_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    young_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    elderly_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ScreeningYear(db.Model):  # type: ignore[name-defined,misc]
    """One resident screened in one local calendar year (a screening, or a face-to-face follow-up,
    as DOMAIN.md counts the screened), with what the screening indicators read of them.

    Kept by PostgreSQL triggers on ``screenings``, ``screening_outcomes``, ``followups`` and
    ``residents`` (``fieldapp.reports.counts``). The resident's village and birth date are
    copies, kept in step, so that the county's screened residents aged 35+ are counted from
    this table alone (1.78 million rows at 3 million residents) without joining the residents.
    """

    __tablename__ = "screening_years"

    resident_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    # A suspected screening result in the year; and one of those confirmed within the year.
    suspected: Mapped[bool] = mapped_column(Boolean, nullable=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False)
