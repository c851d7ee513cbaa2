"""Health checks (健康体检): one a year for every managed resident."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import Idempotent, Synced, new_id
from fieldapp.extensions import db
from fieldapp.residents.models import carries_village


@carries_village
class HealthCheck(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """One health check; its items (``healthchecks.items``) live in one validated JSON column."""

    __tablename__ = "health_checks"
    __table_args__ = (
        Index("ix_health_checks_resident_performed", "resident_id", "performed_on"),
        Index("ix_health_checks_performed_on", "performed_on"),
        # A sync pull of an area: each village's records in the change stream's order.
        Index("ix_health_checks_village_change", "village_id", "change_seq", "id"),
        # The health-check queue: who in an area was checked this year, read once for the area.
        Index(
            "ix_health_checks_village_performed",
            "village_id",
            "performed_on",
            postgresql_include=["resident_id"],
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), nullable=False)
    # The resident's village, a copy kept in step (residents.models.carries_village): sync reads by it.
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False)
    performed_on: Mapped[date] = mapped_column(Date, nullable=False)
    # The items the doctor filled in (left-out items are absent), and the computed BMI.
    items: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    performed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
