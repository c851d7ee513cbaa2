"""An import run, and what it brought in (so the same row again changes nothing)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, deferred, mapped_column

from fieldapp.dbtypes import Timestamped, UTCDateTime, new_id
from fieldapp.extensions import db


class ImportStatus(StrEnum):
    """Where an import run stands."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportRun(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """One upload or CLI run of an import file, with its counts and errors."""

    __tablename__ = "imports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    dry_run: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=ImportStatus.RUNNING)
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    # [{"row", "column", "message"}], API.md's errors.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    # The cells of each rejected row ({"row": n, "values": {...}}), for the error report.
    rejected: Mapped[list[dict[str, Any]]] = deferred(mapped_column(JSON, nullable=False, default=list))
    # The uploaded file until its job has read it (a worker may run on another machine).
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ImportedResident(db.Model):  # type: ignore[name-defined,misc]
    """The fingerprint of the row a resident was last imported from: the same row again is unchanged."""

    __tablename__ = "imported_residents"

    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imports.id"), nullable=False, index=True)


class ImportedFollowUp(db.Model):  # type: ignore[name-defined,misc]
    """A follow-up made from a file's last readings (imported, not recorded in fieldapp)."""

    __tablename__ = "imported_followups"

    followup_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("followups.id"), primary_key=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id"), nullable=False, unique=True
    )
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imports.id"), nullable=False, index=True)
