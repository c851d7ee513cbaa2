"""Townships, villages and county facilities."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.dbtypes import Idempotent, Timestamped, new_id
from fieldapp.extensions import db


class Township(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A township and its health centre."""

    __tablename__ = "townships"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # How many residents aged 35+ the county expects the township to manage (None: not set).
    expected_hypertension: Mapped[int | None] = mapped_column(Integer)
    expected_diabetes: Mapped[int | None] = mapped_column(Integer)

    villages: Mapped[list[Village]] = relationship(back_populates="township", lazy="raise")

    @property
    def centre_name(self) -> str:
        """The name SMS are signed with."""
        return self.name if self.name.endswith(("卫生院", "Health Centre")) else f"{self.name}卫生院"

    @property
    def expected(self) -> dict[str, int | None]:
        """The expected number of managed residents per condition (API.md's ``expected``)."""
        return {"hypertension": self.expected_hypertension, "diabetes": self.expected_diabetes}


class Village(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """An administrative village with (or without) a village clinic."""

    __tablename__ = "villages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("townships.id"), nullable=False, index=True)

    township: Mapped[Township] = relationship(back_populates="villages", lazy="joined")


class Facility(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A county-level facility that receives upward referrals."""

    __tablename__ = "facilities"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="county_hospital")
    phone: Mapped[str | None] = mapped_column(String(20))
