"""Bulk rows into a table: PostgreSQL's COPY, else one Core executemany.

For synthetic data only (the demo and benchmark county), where millions of rows go
in at once: COPY skips building an INSERT's parameters row by row, which is most of
the time an executemany spends. The rows are the same either way: each column's
Python default fills what a row leaves out, and each value goes through its column
type's bind processing, as a Core insert would do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, Table, insert

from fieldapp.extensions import db


def _default(column: Column[Any]) -> Callable[[], Any] | None:
    """The column's Python-side default as a function of nothing, or None when it has none."""
    default = column.default
    if default is None:
        return None
    if getattr(default, "is_scalar", False):
        value = default.arg  # type: ignore[attr-defined]
        return lambda: value
    if getattr(default, "is_callable", False):
        function = default.arg  # type: ignore[attr-defined]
        return lambda: function(None)  # SQLAlchemy wraps a no-argument default to take a context
    return None  # a SQL expression: the database's default applies (none of the bulk tables has one)


def insert_rows(table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        db.session.execute(insert(table), list(rows))
        return
    given = rows[0].keys()
    columns = [c for c in table.columns if c.key in given or _default(c) is not None]
    plan = []
    for column in columns:
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        plan.append((column.key, column.key in given, _default(column), process))
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    with raw.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for key, is_given, default, process in plan:
                value = row[key] if is_given else default()  # type: ignore[misc]
                values.append(process(value) if process is not None else value)
            copy.write_row(values)
