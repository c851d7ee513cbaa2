"""Residents: the people fieldapp follows up."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Uuid, event, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, Session, column_property, mapped_column, relationship

from fieldapp.dbtypes import Idempotent, Synced, current_change_seq, new_id
from fieldapp.extensions import db
from fieldapp.org.models import Village
from fieldapp.residents.keygroups import enrolled_flag, key_groups_of
from fieldapp.timeutil import local_today

if TYPE_CHECKING:
    from fieldapp.contracts.models import Contract


class ContractRead(NamedTuple):
    """A resident's active contract as a page read it in its own statement: ``contract_summary``'s
    answer (None: no active contract)."""

    summary: dict[str, Any] | None


class Resident(Synced, Idempotent, db.Model):  # type: ignore[name-defined,misc]
    """A resident of a village, identified by UUID (and optionally id number)."""

    __tablename__ = "residents"
    __table_args__ = (
        # By name in a village; the id rides along (the health-check queue's names, no row read).
        Index("ix_residents_village_name", "village_id", "name", postgresql_include=["id"]),
        # A sync pull of an area: each village's residents in the change stream's order.
        Index("ix_residents_village_change", "village_id", "change_seq", "id"),
        # The indicators' population aged 35+ of a village (or the county), without the rows.
        Index("ix_residents_village_birth", "village_id", "birth_date", postgresql_include=["id"]),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    sex: Mapped[str] = mapped_column(String(1), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("villages.id"), nullable=False, index=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    # 居民健康档案编号: given at the first flush unless brought along (see record_numbers).
    record_number: Mapped[str] = mapped_column(String(17), unique=True, nullable=False)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    sms_consent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    opted_out: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    phone_invalid: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="zh")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # The flagged key groups as bits (residents/keygroups.py); the computed ones are read below.
    # (The database's default, so rows written without the column, as older code writes them, get 0.)
    key_group_flags: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")

    village: Mapped[Village] = relationship(lazy="joined")
    has_hypertension: Mapped[bool] = column_property(enrolled_flag(id, "hypertension"))
    has_diabetes: Mapped[bool] = column_property(enrolled_flag(id, "diabetes"))
    # Contracts not terminated, read with the residents of a query (one more query, not one a
    # resident), so every list can show the team and end date of the active one.
    open_contracts: Mapped[list[Contract]] = relationship(
        "Contract",
        primaryjoin="and_(Contract.resident_id == Resident.id, Contract.terminated_on.is_(None))",
        viewonly=True,
        lazy="selectin",
        order_by="Contract.starts_on",
    )
    # Set by a page that read the active contract with its rows (a queue page: no query for
    # ``open_contracts``); None on every other resident.
    contract_read: ClassVar[ContractRead | None] = None

    def read_contract(self, read: ContractRead) -> None:
        """Keep the active contract a page read with this resident's row (see ``contract_read``)."""
        self.__dict__["contract_read"] = read

    @property
    def key_groups(self) -> list[str]:
        """The resident's key groups today: computed ones, then flagged ones."""
        enrolled = [
            c for c, on in (("hypertension", self.has_hypertension), ("diabetes", self.has_diabetes)) if on
        ]
        return key_groups_of(self.birth_date, enrolled, self.key_group_flags or 0, local_today())

    @property
    def active_contract(self) -> Contract | None:
        """The contract covering today, else the next one to start (a renewal signed early)."""
        today = local_today()
        current = [c for c in self.open_contracts if c.ends_on >= today]
        return next((c for c in current if c.starts_on <= today), current[0] if current else None)


@event.listens_for(Resident, "init")
def _new_resident_knows_its_groups(target: Resident, _args: Any, _kwargs: Any) -> None:
    """A resident being created has no enrollment and no contract yet: answering it needs no query."""
    target.has_hypertension = False
    target.has_diabetes = False
    target.open_contracts = []
    target.key_group_flags = 0  # the body's flags, if any, are set after this


@event.listens_for(Session, "before_flush")
def _number_new_residents(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Give the residents this flush inserts their record numbers (after the villages' codes)."""
    new = [obj for obj in session.new if isinstance(obj, Resident)]
    if new:
        from fieldapp.residents.record_numbers import assign_record_numbers

        assign_record_numbers(session, new)


# A resident's records that carry the resident's village (a copy: an area's rows are found by
# village, without a join to residents; sync reads them village by village). Each such model
# names itself with ``carries_village``; the app imports every model (fieldapp.models).
VILLAGE_COPIES: list[Any] = []

Model = TypeVar("Model")


def carries_village(model: type[Model]) -> type[Model]:
    """Keep ``model.village_id`` its resident's: filled in when left out, moved when the resident moves."""
    VILLAGE_COPIES.append(model)
    event.listen(model, "before_insert", _copy_village)
    return model


def _copy_village(_mapper: Mapper[Any], connection: Connection, record: Any) -> None:
    """A record built without its village takes its resident's (a query a row: services set it)."""
    if record.village_id is None:
        record.village_id = connection.scalar(
            select(Resident.village_id).where(Resident.id == record.resident_id)
        )


@event.listens_for(Session, "before_flush")
def _follow_moved_residents(session: Session, _flush_context: Any, _instances: Any) -> None:
    """A resident who moves village takes their records along, and sync sends them anew (the new
    area's phones have never had them)."""
    moved = [
        resident
        for resident in session.dirty
        if isinstance(resident, Resident) and inspect(resident).attrs.village_id.history.has_changes()
    ]
    if not moved:
        return
    seq = current_change_seq(session)
    for resident in moved:
        for model in VILLAGE_COPIES:
            session.execute(
                update(model)
                .where(model.resident_id == resident.id)
                .values(change_seq=seq, village_id=resident.village_id)
                .execution_options(synchronize_session=False)
            )


# The contracts relationship above names Contract: its module must be imported wherever Resident is.
from fieldapp.contracts import models as _contracts  # noqa: E402,F401
