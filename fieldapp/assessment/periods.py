"""Assessment periods (a year, a quarter, a month) and local dates in SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from fieldapp.timeutil import local_zone

PERIOD_PATTERN = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$")


def local_midnight(day: date) -> datetime:
    """The UTC instant at which local ``day`` begins."""
    return datetime(day.year, day.month, day.day, tzinfo=local_zone()).astimezone(UTC)


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A local calendar year, quarter or month: its days and the UTC instants that bound it."""

    code: str  # "2026", "2026Q4", "2026-11"
    first_day: date
    last_day: date

    @classmethod
    def parse(cls, code: str) -> Period:
        """``2026``, ``2026Q4`` or ``2026-11``; ValueError for anything else."""
        found = PERIOD_PATTERN.match(code)
        if not found:
            raise ValueError(f"not a period: {code}")
        year, quarter, month = int(found[1]), found[2], found[3]
        if quarter:
            first = date(year, 3 * int(quarter) - 2, 1)
            last = _month_after(date(year, 3 * int(quarter), 1)) - timedelta(days=1)
        elif month:
            first = date(year, int(month), 1)
            last = _month_after(first) - timedelta(days=1)
        else:
            first, last = date(year, 1, 1), date(year, 12, 31)
        return cls(code=code, first_day=first, last_day=last)

    @classmethod
    def month_of(cls, day: date) -> Period:
        """The month ``day`` falls in."""
        return cls.parse(f"{day:%Y-%m}")

    @property
    def starts_at(self) -> datetime:
        """The UTC instant the period begins."""
        return local_midnight(self.first_day)

    @property
    def ends_at(self) -> datetime:
        """The UTC instant just after the period."""
        return local_midnight(self.last_day + timedelta(days=1))

    @property
    def year(self) -> int:
        """The calendar year the period lies in."""
        return self.first_day.year

    def contains(self, column: Any) -> Any:
        """``column`` (a UTC instant) falls in this period."""
        return (column >= self.starts_at) & (column < self.ends_at)

    def months(self) -> list[Period]:
        """The months of the period, in order."""
        out, day = [], self.first_day
        while day <= self.last_day:
            out.append(Period.month_of(day))
            day = _month_after(day)
        return out


class local_day(FunctionElement[date]):
    """The local calendar date of a stored (naive UTC) instant, in SQL."""

    type = Date()
    # The zone is read when compiling: no cached statement may outlive a change of it.
    inherit_cache = False


@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    zone = str(local_zone()).replace("'", "")
    return f"CAST(timezone('{zone}', timezone('UTC', {column})) AS DATE)"


@compiles(local_day)
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite knows no time zones: the zone's offset now (exact for zones without summer time).
    column = compiler.process(next(iter(element.clauses)), **kw)
    offset = local_zone().utcoffset(datetime.now(UTC).replace(tzinfo=None)) or timedelta(0)
    return f"date({column}, '{int(offset.total_seconds() // 60):+d} minutes')"
