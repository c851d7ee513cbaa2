"""Rows into a table in bulk: PostgreSQL's COPY, else one Core executemany.

For the many rows that go in at once (the demo and benchmark county, a register's import):
an INSERT per row, even pipelined, costs the server a parse, plan and execute each and the
client an adaptation of every parameter, most of the time a large insert spends. The rows
stored are those a Core ``insert(table)`` of the same dictionaries stores: each column's
Python default fills what a row leaves out, and every value, None included, goes through its
column type's bind processing (a JSON column given None holds JSON ``null``, as after a Core
or ORM insert).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError

from fieldapp.extensions import db


def insert_rows(table: Table, rows: Sequence[Mapping[str, Any]], *, trusted: bool = False) -> None:
    """Insert ``rows`` (mappings with the same keys) into ``table`` in the session's transaction.

    ``trusted`` rows (synthetic: the demo and benchmark county) skip PostgreSQL's foreign-key
    checks for this one statement; rows from outside (an import) are checked. A broken
    constraint is SQLAlchemy's ``IntegrityError`` on every database.
    """
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    given = [c for c in table.columns if c.key in rows[0]]
    defaulted = [c for c in table.columns if c.key not in rows[0] and c.default is not None]
    # A SQL expression or sequence default is the database's work: only an INSERT asks for it.
    plain = all(c.default.is_scalar or c.default.is_callable for c in defaulted)  # type: ignore[union-attr]
    if dialect.name != "postgresql" or not plain:
        connection.execute(insert(table), rows)
        return
    constants = [c.default.arg for c in defaulted if c.default.is_scalar]  # type: ignore[union-attr]
    # SQLAlchemy gives a callable default the execution context; none of ours reads it.
    makers: list[Callable[[Any], Any]] = [
        c.default.arg  # type: ignore[union-attr]
        for c in defaulted
        if c.default.is_callable  # type: ignore[union-attr]
    ]
    columns = (
        given
        + [c for c in defaulted if c.default.is_scalar]  # type: ignore[union-attr]
        + [c for c in defaulted if c.default.is_callable]  # type: ignore[union-attr]
    )
    keys = [c.key for c in given]
    # The columns' own conversions (a UTC instant stored naive, JSON wrapped for psycopg).
    converted = [
        (index, process)
        for index, process in enumerate(c.type._cached_bind_processor(dialect) for c in columns)
        if process is not None
    ]
    quote = dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) FROM STDIN"
    raw: Any = connection.connection.driver_connection
    error_class = dialect.loaded_dbapi.Error
    try:
        with raw.cursor() as cursor:
            if trusted:
                # Synthetic rows refer only to rows made with them: no foreign-key trigger per row.
                restore = cursor.execute("SELECT current_setting('session_replication_role')").fetchone()[0]
                cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.copy(statement) as copy:
                for row in rows:
                    values = [row[key] for key in keys]
                    if defaulted:
                        values += constants
                        values += [make(None) for make in makers]
                    for index, process in converted:
                        values[index] = process(values[index])
                    copy.write_row(values)
            if trusted:
                cursor.execute("SELECT set_config('session_replication_role', %s, true)", (restore,))
    except error_class as error:
        # As an INSERT's error reads: an import's fallback to row by row catches IntegrityError.
        raise DBAPIError.instance(statement, None, error, error_class, dialect=dialect) from error
