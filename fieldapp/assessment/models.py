"""The county's weights of the assessment's parts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.dbtypes import UTCDateTime
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow


class AssessmentWeight(db.Model):  # type: ignore[name-defined,misc]
    """One part's weight in the score; a part without a row weighs the default (1)."""

    __tablename__ = "assessment_weights"

    part: Mapped[str] = mapped_column(String(16), primary_key=True)
    weight: Mapped[float] = mapped_column(Float, nullable=False)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
