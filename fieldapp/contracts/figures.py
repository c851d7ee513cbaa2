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

from sqlalchemy import ColumnElement, Integer, case, func, literal, select, true
from sqlalchemy.orm import aliased

from fieldapp.auth.models import User
from fieldapp.contracts.models import Contract
from fieldapp.contracts.service import active_on_clause
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.org.models import Township, Village
from fieldapp.reports.service import rate, report_township
from fieldapp.residents.keygroups import FLAG_BITS, KEY_GROUPS, elderly_born_by
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today

GROUPINGS = ("area", "village", "township")


def _in_area(township_id: uuid.UUID | None) -> ColumnElement[bool]:
    if township_id is None:
        return true()
    return Resident.village_id.in_(select(Village.id).where(Village.township_id == township_id))


def _coverage_rows(township_id: uuid.UUID | None, on: date, by: str) -> list[Any]:
    """Per group (or once for the area): residents, contracted, and both for each key group."""
    contracted_ids = (
        select(Contract.resident_id).where(active_on_clause(on)).distinct().subquery("contracted")
    )
    enrolled = (
        select(
            Enrollment.resident_id,
            func.max(case((Enrollment.condition == "hypertension", 1), else_=0)).label("hypertension"),
            func.max(case((Enrollment.condition == "diabetes", 1), else_=0)).label("diabetes"),
        )
        .where(Enrollment.status == "active")
        .group_by(Enrollment.resident_id)
        .subquery("enrolled")
    )
    is_contracted = contracted_ids.c.resident_id.is_not(None)
    membership: dict[str, ColumnElement[bool]] = {
        "elderly": Resident.birth_date <= elderly_born_by(on),
        "hypertension": enrolled.c.hypertension == 1,
        "diabetes": enrolled.c.diabetes == 1,
        **{code: Resident.key_group_flags.op("&")(bit) != 0 for code, bit in FLAG_BITS.items()},
    }

    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)

    columns = [func.count().label("residents"), count(is_contracted).label("contracted")]
    for code in KEY_GROUPS:
        columns.append(count(membership[code]).label(f"{code}_residents"))
        columns.append(count(membership[code] & is_contracted).label(f"{code}_contracted"))
    group: Any = {
        "area": literal(None).label("group_id"),
        "village": Resident.village_id.label("group_id"),
        "township": Village.township_id.label("group_id"),
    }[by]
    query = (
        select(group, *columns)
        .select_from(Resident)
        .outerjoin(contracted_ids, contracted_ids.c.resident_id == Resident.id)
        .outerjoin(enrolled, enrolled.c.resident_id == Resident.id)
        .where(_in_area(township_id))
    )
    if by == "township":
        query = query.join(Village, Village.id == Resident.village_id)
    if by != "area":
        query = query.group_by(group)
    return list(db.session.execute(query))


def _renewal_rows(township_id: uuid.UUID | None, on: date, by: str) -> dict[Any, tuple[int, int]]:
    """Per group: contracts ending in ``on``'s year, and those renewed by ``on``."""
    renewal = aliased(Contract, name="renewal")
    renewed = select(renewal.id).where(renewal.renews == Contract.id, renewal.signed_on <= on).exists()
    group: Any = {
        "area": literal(None).label("group_id"),
        "village": Resident.village_id.label("group_id"),
        "township": Village.township_id.label("group_id"),
    }[by]
    query = (
        select(
            group,
            func.count().label("ending"),
            func.coalesce(func.sum(case((renewed, 1), else_=0)), 0).cast(Integer).label("renewed"),
        )
        .select_from(Contract)
        .join(Resident, Resident.id == Contract.resident_id)
        .where(
            _in_area(township_id),
            Contract.terminated_on.is_(None),
            Contract.ends_on >= date(on.year, 1, 1),
            Contract.ends_on <= date(on.year, 12, 31),
        )
    )
    if by == "township":
        query = query.join(Village, Village.id == Resident.village_id)
    if by != "area":
        query = query.group_by(group)
    return {row.group_id: (row.ending, row.renewed) for row in db.session.execute(query)}


def _figures(row: Any, ending: int, renewed: int) -> dict[str, Any]:
    key_groups = {}
    for code in KEY_GROUPS:
        residents, contracted = getattr(row, f"{code}_residents"), getattr(row, f"{code}_contracted")
        key_groups[code] = {
            "residents": residents,
            "contracted": contracted,
            "coverage": rate(contracted, residents),
        }
    return {
        "residents": row.residents,
        "contracted": row.contracted,
        "coverage": rate(row.contracted, row.residents),
        "key_groups": key_groups,
        "ending_in_year": ending,
        "renewed": renewed,
        "renewal_rate": rate(renewed, ending),
    }


def contract_report(user: User, township_id: uuid.UUID | None, on: date | None) -> dict[str, Any]:
    """API.md's contract figures of a township (or the county) on a date (default today)."""
    area = report_township(user, township_id)
    on = on or local_today()
    (row,) = _coverage_rows(area, on, "area")
    ending, renewed = _renewal_rows(area, on, "area").get(None, (0, 0))
    return _figures(row, ending, renewed)


def contract_report_by(
    user: User, township_id: uuid.UUID | None, on: date | None, by: str
) -> list[dict[str, Any]]:
    """The figures of each village (``by="village"``) or township (``"township"``) of the area, by name."""
    area = report_township(user, township_id)
    on = on or local_today()
    renewals = _renewal_rows(area, on, by)
    covered = {row.group_id: row for row in _coverage_rows(area, on, by)}
    model: Any = Village if by == "village" else Township
    places = select(model).order_by(model.name, model.id)
    if by == "village" and area is not None:
        places = places.where(Village.township_id == area)
    elif by == "township" and area is not None:
        places = places.where(Township.id == area)
    empty = {
        "residents": 0,
        "contracted": 0,
        **{f"{c}_{k}": 0 for c in KEY_GROUPS for k in ("residents", "contracted")},
    }
    answer = []
    for place in db.session.scalars(places):
        row = covered.get(place.id) or _Empty(empty)
        ending, renewed = renewals.get(place.id, (0, 0))
        answer.append({"place": place, **_figures(row, ending, renewed)})
    return answer


class _Empty:
    """A place without residents: every count 0."""

    def __init__(self, values: dict[str, int]) -> None:
        self.__dict__.update(values)
