"""Health record numbers (居民健康档案编号): county 6 + township 3 + village 3 + serial 5 digits.

A number is given when a resident is first flushed, so every way of creating one (the
API, sync, imports, demo data, tests) gets it. Serials come from one counter row per
village prefix, incremented by an UPDATE: the row lock orders concurrent writers, so
two transactions never take the same serial, and a rolled-back one gives its serials back.
A resident that brings its own number (an imported record) moves its prefix's counter
past that serial, so later residents never collide with it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fieldapp.dbtypes import Counter, next_counter_value
from fieldapp.org.models import Township, Village

if TYPE_CHECKING:
    from fieldapp.residents.models import Resident

DEFAULT_COUNTY_CODE = "000000"
SERIAL_DIGITS = 5


class RecordNumbersExhaustedError(RuntimeError):
    """A village has used all 99,999 serials."""


def county_code() -> str:
    """The county's 6-digit division code (``FIELDAPP_COUNTY_CODE``)."""
    if not has_app_context():
        return DEFAULT_COUNTY_CODE
    return str(current_app.config.get("FIELDAPP_COUNTY_CODE") or DEFAULT_COUNTY_CODE)


def village_prefix(village: Village, township: Township) -> str:
    """The first 12 digits of the record numbers of a village's residents."""
    return f"{county_code()}{township.division_code}{village.division_code}"


def counter_name(prefix: str) -> str:
    """The counter row holding a prefix's last serial."""
    return f"record_number:{prefix}"


def _raise_counter_to(session: Session, name: str, serial: int) -> None:
    """Make counter ``name`` at least ``serial`` (an imported number took it)."""
    counters = Counter.__table__
    connection = session.connection()
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(dialect_insert(counters).values(name=name, value=0).on_conflict_do_nothing())
    connection.execute(
        update(counters)
        .where(counters.c.name == name)
        .values(value=case((counters.c.value < serial, serial), else_=counters.c.value))
    )


def _prefix_of(session: Session, resident: Resident) -> str:
    village = resident.village if resident.village is not None else session.get(Village, resident.village_id)
    if village is None:  # the foreign key will refuse the row; nothing to number
        return ""
    township = (
        village.township if village.township is not None else session.get(Township, village.township_id)
    )
    return village_prefix(village, township)


def take_serials(session: Session, prefix: str, count: int) -> list[str]:
    """``count`` new record numbers of a village prefix, in order."""
    last = next_counter_value(session, counter_name(prefix), step=count)
    if last >= 10**SERIAL_DIGITS:
        raise RecordNumbersExhaustedError(f"village {prefix} has no record numbers left")
    return [f"{prefix}{serial:0{SERIAL_DIGITS}d}" for serial in range(last - count + 1, last + 1)]


def assign_record_numbers(session: Session, residents: list[Resident]) -> None:
    """Give new residents without a record number the next serials of their village."""
    bring_own: list[Resident] = [r for r in residents if r.record_number]
    numbered: dict[str, list[Resident]] = defaultdict(list)
    with session.no_autoflush:
        for resident in residents:
            if not resident.record_number:
                numbered[_prefix_of(session, resident)].append(resident)
        for resident in bring_own:
            prefix = _prefix_of(session, resident)
            if prefix and resident.record_number.startswith(prefix):
                _raise_counter_to(session, counter_name(prefix), int(resident.record_number[len(prefix) :]))
        for prefix, group in numbered.items():
            if not prefix:
                continue
            for resident, number in zip(group, take_serials(session, prefix, len(group)), strict=True):
                resident.record_number = number
