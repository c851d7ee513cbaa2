"""Contract figures (DOMAIN.md): coverage, key-group coverage and renewal rate, in set-based SQL.

One statement counts residents, contracted residents and each key group for the whole
area (or per village, or per township) on a date; one more counts the year's ending
contracts and their renewals. Nothing is loaded row by row.

- contracted on a date: a contract started, not ended (``ends_on`` counts), not terminated by then;
- a key group: as on the resident (aged 65 or over on the date; active enrollments; flags);
- ending in the year: contracts not terminated whose ``ends_on`` falls in the date's calendar
  year; renewed: those with a renewal signed on or before the date.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, func, literal, select, true
from sqlalchemy.orm import aliased

from fieldapp.auth.models import User
from fieldapp.contracts.models import Contract
from fieldapp.contracts.service import active_on_clause
from fieldapp.dbtypes import fixed
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.org.models import Township, Village
from fieldapp.reports.service import rate, report_township
from fieldapp.residents.keygroups import FLAG_BITS, KEY_GROUPS, elderly_born_by
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today


def _area_villages(township_id: uuid.UUID | None) -> list[uuid.UUID] | None:
    """The township's village ids (None: the county), given to the planner as a list.

    Residents, enrollments and contracts each carry their village, so each table is read
    by its village index instead of in full.
    """
    if township_id is None:
        return None
    return list(db.session.scalars(select(Village.id).where(Village.township_id == township_id)))


def _grouped(query: Any, village_column: Any, villages: list[uuid.UUID] | None, by: str) -> Any:
    """``query`` restricted to ``villages`` (by ``village_column``) and grouped by village or township."""
    group: Any = {"area": literal(None), "village": village_column, "township": Village.township_id}[by]
    query = query.add_columns(group.label("group_id"))
    if villages is not None:
        query = query.where(village_column.in_(villages))
    if by == "township":
        query = query.join(Village, Village.id == village_column)
    return query.group_by(group) if by != "area" else query


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def _coverage_rows(villages: list[uuid.UUID] | None, on: date, by: str) -> dict[Any, dict[str, Any]]:
    """Per group: residents, contracted, and both for each key group, in one statement.

    Every join adds at most one row to a resident, so nothing is aggregated per resident:
    the contract in force on ``on`` (a resident has at most one a day: signing refuses an
    overlap) and each active enrollment (one per condition, a unique index).
    """
    hypertension, diabetes = aliased(Enrollment, name="ht"), aliased(Enrollment, name="dm")

    def in_area(column: Any) -> ColumnElement[bool]:
        return true() if villages is None else column.in_(villages)

    def active(alias: Any, condition: str) -> ColumnElement[bool]:
        return and_(
            alias.resident_id == Resident.id,
            alias.condition == condition,
            alias.status == fixed("active"),
            in_area(alias.village_id),
        )

    contracted = Contract.id.is_not(None)
    membership: dict[str, ColumnElement[bool]] = {
        "elderly": Resident.birth_date <= elderly_born_by(on),
        "hypertension": hypertension.id.is_not(None),
        "diabetes": diabetes.id.is_not(None),
        **{code: Resident.key_group_flags.op("&")(bit) != 0 for code, bit in FLAG_BITS.items()},
    }
    columns = [func.count().label("residents"), _count(contracted).label("contracted")]
    for code in KEY_GROUPS:
        columns.append(_count(membership[code]).label(f"{code}_residents"))
        columns.append(_count(and_(membership[code], contracted)).label(f"{code}_contracted"))
    query = (
        select(*columns)
        .select_from(Resident)
        .outerjoin(
            Contract,
            and_(Contract.resident_id == Resident.id, active_on_clause(on), in_area(Contract.village_id)),
        )
        .outerjoin(hypertension, active(hypertension, "hypertension"))
        .outerjoin(diabetes, active(diabetes, "diabetes"))
    )
    grouped = _grouped(query, Resident.village_id, villages, by)
    return {row.group_id: row._asdict() for row in db.session.execute(grouped)}


def _renewal_rows(villages: list[uuid.UUID] | None, on: date, by: str) -> dict[Any, tuple[int, int]]:
    """Per group: contracts ending in ``on``'s year (not terminated), and those renewed by ``on``."""
    renewal = aliased(Contract, name="renewal")
    renewed_by_then = and_(renewal.renews == Contract.id, renewal.signed_on <= on)
    ending = (
        Contract.terminated_on.is_(None),
        Contract.ends_on >= date(on.year, 1, 1),
        Contract.ends_on <= date(on.year, 12, 31),
    )
    if villages is None:  # the county's tens of thousands: one hash join
        query = (
            select(func.count().label("ending"), func.count(renewal.id).label("renewed"))
            .select_from(Contract)
            .outerjoin(renewal, renewed_by_then)
        )
    else:  # a township's few thousand: one index probe each (a join would walk the whole index)
        renewed = select(renewal.id).where(renewed_by_then).exists()
        query = select(func.count().label("ending"), _count(renewed).label("renewed")).select_from(Contract)
    query = query.where(*ending)
    query = _grouped(query, Contract.village_id, villages, by)
    return {row.group_id: (row.ending, row.renewed) for row in db.session.execute(query)}


def _figures(counts: dict[str, Any], ending: int, renewed: int) -> dict[str, Any]:
    key_groups = {}
    for code in KEY_GROUPS:
        residents, contracted = counts.get(f"{code}_residents", 0), counts.get(f"{code}_contracted", 0)
        key_groups[code] = {
            "residents": residents,
            "contracted": contracted,
            "coverage": rate(contracted, residents),
        }
    return {
        "residents": counts.get("residents", 0),
        "contracted": counts.get("contracted", 0),
        "coverage": rate(counts.get("contracted", 0), counts.get("residents", 0)),
        "key_groups": key_groups,
        "ending_in_year": ending,
        "renewed": renewed,
        "renewal_rate": rate(renewed, ending),
    }


def contract_report(user: User, township_id: uuid.UUID | None, on: date | None) -> dict[str, Any]:
    """API.md's contract figures of a township (or the county) on a date (default today)."""
    area = report_township(user, township_id)
    on = on or local_today()
    villages = _area_villages(area)
    counts = _coverage_rows(villages, on, "area").get(None, {})
    ending, renewed = _renewal_rows(villages, on, "area").get(None, (0, 0))
    return _figures(counts, ending, renewed)


def contract_report_by(
    user: User, township_id: uuid.UUID | None, on: date | None, by: str
) -> list[dict[str, Any]]:
    """The figures of each village (``by="village"``) or township (``"township"``) of the area, by name."""
    area = report_township(user, township_id)
    on = on or local_today()
    villages = _area_villages(area)
    renewals = _renewal_rows(villages, on, by)
    covered = _coverage_rows(villages, on, by)
    model: Any = Village if by == "village" else Township
    places = select(model).order_by(model.name, model.id)
    if by == "village" and area is not None:
        places = places.where(Village.township_id == area)
    elif by == "township" and area is not None:
        places = places.where(Township.id == area)
    answer = []
    for place in db.session.scalars(places):
        ending, renewed = renewals.get(place.id, (0, 0))
        answer.append({"place": place, **_figures(covered.get(place.id, {}), ending, renewed)})
    return answer
