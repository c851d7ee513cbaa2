"""Townships, villages and county facilities."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from fieldapp.dbtypes import Idempotent, Timestamped, new_id
from fieldapp.extensions import db


class Township(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A township and its health centre."""

    __tablename__ = "townships"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # The 3-digit division code within the county (record numbers); assigned in order when not given.
    division_code: Mapped[str] = mapped_column(String(3), unique=True, nullable=False)
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
    __table_args__ = (UniqueConstraint("township_id", "division_code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("townships.id"), nullable=False, index=True)
    # The 3-digit division code within the township (record numbers); assigned in order when not given.
    division_code: Mapped[str] = mapped_column(String(3), nullable=False)

    township: Mapped[Township] = relationship(back_populates="villages", lazy="joined")


class Facility(Timestamped, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A county-level facility that receives upward referrals."""

    __tablename__ = "facilities"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="county_hospital")
    phone: Mapped[str | None] = mapped_column(String(20))


def _parent_of(village: Village) -> uuid.UUID:
    return village.township_id or village.township.id


@event.listens_for(Session, "before_flush")
def _assign_division_codes(session: Session, _flush_context: Any, _instances: Any) -> None:
    """New townships and villages without a ``division_code`` take the next free ones, in order."""
    new_townships = [o for o in session.new if isinstance(o, Township)]
    new_villages = [o for o in session.new if isinstance(o, Village)]
    if all(o.division_code for o in new_townships) and all(o.division_code for o in new_villages):
        return
    with session.no_autoflush:
        for township in new_townships:
            if township.id is None:  # its villages group by it before the INSERT gives it one
                township.id = new_id()
        given = {o.division_code for o in new_townships if o.division_code}
        _give_codes(
            session,
            [o for o in new_townships if o.division_code is None],
            select(func.max(Township.division_code)),
            given,
        )
        by_township: dict[uuid.UUID, list[Village]] = defaultdict(list)
        for village in new_villages:
            by_township[_parent_of(village)].append(village)
        for parent, group in by_township.items():
            given = {o.division_code for o in group if o.division_code}
            taken = select(func.max(Village.division_code)).where(Village.township_id == parent)
            _give_codes(session, [o for o in group if o.division_code is None], taken, given)


def _give_codes(session: Session, rows: list[Any], highest_taken: Any, given: set[str]) -> None:
    """Give ``rows`` (by code) the codes after the highest stored one, skipping those given in this flush."""
    if not rows:
        return
    highest = session.scalar(highest_taken)
    number = int(highest) if highest and highest.isdigit() else 0
    for row in sorted(rows, key=lambda o: o.code):
        number += 1
        while f"{number:03d}" in given:
            number += 1
        row.division_code = f"{number:03d}"
