"""Key groups (重点人群, DOMAIN.md): who a family-doctor team looks after first.

Three are computed (aged 65 or over; an active hypertension or diabetes enrollment)
and six are flagged by a doctor. Flags are stored as bits of one integer column, so
a list filter or a county-wide count is one bitwise test in SQL, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, String, Uuid, column, exists, false, func, select, table, true

from fieldapp.dbtypes import fixed

ELDERLY_AGE = 65
COMPUTED = ("elderly", "hypertension", "diabetes")
# The order gives each flag its bit: never reorder, only append.
FLAGGED = ("pregnant", "child_0_6", "disabled", "severe_mental_illness", "tuberculosis", "low_income")
KEY_GROUPS = COMPUTED + FLAGGED
FLAG_BITS = {code: 1 << n for n, code in enumerate(FLAGGED)}

# The enrollments table by name: the follow-ups area imports residents, not the other way round.
_enrollments = table(
    "enrollments", column("resident_id", Uuid), column("condition", String), column("status", String)
)


def flags_to_bits(codes: Iterable[str]) -> int:
    """The integer stored for these flag codes."""
    return sum(FLAG_BITS[code] for code in set(codes))


def bits_to_flags(bits: int) -> list[str]:
    """The flag codes of a stored integer, in glossary order."""
    return [code for code in FLAGGED if bits & FLAG_BITS[code]]


def elderly_born_by(today: date) -> date:
    """The latest birth date of a resident aged 65 or over on ``today``."""
    try:
        return today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February: the birthday falls on 1 March in a common year
        return date(today.year - ELDERLY_AGE, 3, 1)


def is_elderly(birth_date: date, today: date) -> bool:
    """Aged 65 or over on ``today``."""
    return birth_date <= elderly_born_by(today)


def key_groups_of(birth_date: date, enrolled: Iterable[str], bits: int, today: date) -> list[str]:
    """Every key group of one resident, computed ones first."""
    conditions = set(enrolled)
    groups = ["elderly"] if is_elderly(birth_date, today) else []
    groups += [code for code in ("hypertension", "diabetes") if code in conditions]
    return groups + bits_to_flags(bits)


def enrolled_clause(resident_id: Any, condition: str) -> ColumnElement[bool]:
    """The resident (a column) has an active enrollment of ``condition``."""
    return exists().where(*_active_enrollment_of(resident_id, condition))


def _active_enrollment_of(resident_id: Any, condition: str) -> tuple[ColumnElement[bool], ...]:
    return (
        _enrollments.c.resident_id == resident_id,
        _enrollments.c.condition == condition,
        _enrollments.c.status == fixed("active"),
    )


def enrolled_flag(resident_id: Any, condition: str) -> ColumnElement[bool]:
    """A selected resident's ``enrolled_clause`` as a value: one probe of the active enrollments'
    unique index a row. (As EXISTS, PostgreSQL may hash every active enrollment of the county
    instead, for a page of 500 residents: 45 ms at 300,000 residents, growing with the county.
    A scalar subquery is never hashed.)"""
    found = select(true()).where(*_active_enrollment_of(resident_id, condition)).limit(1).scalar_subquery()
    return func.coalesce(found, false())


def key_group_clause(
    code: str, resident_id: Any, birth_date: Any, flags: Any, today: date
) -> ColumnElement[bool]:
    """Residents (given by their columns) in key group ``code`` on ``today``."""
    if code == "elderly":
        return birth_date <= elderly_born_by(today)
    if code in ("hypertension", "diabetes"):
        return enrolled_clause(resident_id, code)
    return flags.op("&")(FLAG_BITS[code]) != 0
