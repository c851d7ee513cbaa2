"""Rows written as an older migration's schema stores them (the models have moved on since)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, String, Uuid, column, insert, table
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeEngine

from fieldapp.dbtypes import UTCDateTime
from fieldapp.timeutil import utcnow


def old_table(table_name: str, /, **types: Any) -> TableClause:
    """A table clause of the columns a row is written with."""
    return table(table_name, *[column(key, kind()) for key, kind in types.items()])


# Each Python value's column type; bool before int and datetime before date (subclasses).
_KINDS: tuple[tuple[type | tuple[type, ...], type[TypeEngine[Any]]], ...] = (
    (bool, Boolean),
    (int, BigInteger),
    (str, String),
    (uuid.UUID, Uuid),
    (datetime, UTCDateTime),
    (date, Date),
    ((list, dict), JSON),
)


def _type_of(value: Any) -> type[TypeEngine[Any]]:
    return next(kind for python_type, kind in _KINDS if isinstance(value, python_type))


def write_old_row(conn: Connection, table_name: str, *, stamped: bool = True, **values: Any) -> None:
    """Insert one row of ``values``, each column typed by its value; ``stamped``: with the
    created_at and updated_at that every table but the counters has had since 0001."""
    if stamped:
        values["created_at"] = values["updated_at"] = utcnow()
    types = {key: _type_of(value) for key, value in values.items()}
    conn.execute(insert(old_table(table_name, **types)).values(**values))


def write_township(conn: Connection, township: uuid.UUID, villages: dict[uuid.UUID, str]) -> None:
    """A township 青山镇 and its villages, named as given."""
    write_old_row(conn, "townships", id=township, code="T1", name="青山镇", division_code="001")
    for n, (village, name) in enumerate(villages.items(), start=1):
        write_old_row(
            conn,
            "villages",
            id=village,
            code=f"V{n}",
            name=name,
            township_id=township,
            division_code=f"{n:03d}",
        )
