"""A push's new rows, written a table at a time: by Core when that writes what the flush would.

A batch applied together builds its new rows without adding them to the session (see
``idempotency.in_shared_savepoint``). Handing a thousand of them to the unit of work took
some 40% more CPU than their Core INSERTs (states, cascades, identity map, bookkeeping a
row): rows of the tables below are inserted instead by one Core ``executemany`` a table,
after doing to them what the session's flush events do to new rows of these tables. The
rows stay out of the session: the push answers from them, and nothing later in the request
reads them back. Anything else (a table not listed, a value only the database or an event
can give) goes through the session as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Table, insert, inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.interfaces import ONETOMANY

from fieldapp.dbtypes import Synced, current_change_seq
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp, FollowUpMedication, Visit
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.residents.models import Resident
from fieldapp.residents.record_numbers import assign_record_numbers
from fieldapp.screenings.models import Screening

# The tables whose new rows' flush-time work is done here: the sync sequence (every synced
# table, ``dbtypes._stamp_change_seq``) and residents' record numbers
# (``residents.models._number_new_residents``). Their before-insert events act only on an
# empty column (a record's village, ``residents.models.carries_village``): such a row goes to
# the session. A table gaining a flush event for new rows must do it here too, or leave this list.
BY_CORE = frozenset({Resident, Enrollment, FollowUp, FollowUpMedication, Visit, Screening, HealthCheck})


@dataclass(frozen=True)
class _Column:
    """How one column of a new row is filled, as the unit of work fills it."""

    attribute: str
    name: str
    # The column's Python-side default, called as the INSERT would; None when it has none.
    default: Callable[[], Any] | None
    # None is a value of its own for the column's type (JSON's null), when the row sets it.
    keeps_none: bool
    # Left empty, only the database or an event fills it (a server or SQL default; an event
    # such as a record's village before insert), or the database refuses the row.
    needs_flush: bool
    # Left out of the INSERT, it is NULL all the same (no default of any kind, no JSON null).
    null_if_left_out: bool


@dataclass(frozen=True)
class _Children:
    """A one-to-many collection saved with its parent, and the parent columns its keys copy."""

    attribute: str
    keys: tuple[tuple[str, str], ...]  # (parent attribute, child attribute)


@dataclass(frozen=True)
class _Plan:
    columns: tuple[_Column, ...]
    # The columns an empty value of sends the row to the session.
    flushed_if_empty: tuple[_Column, ...]
    children: tuple[_Children, ...]
    # Relationships whose being set would make the flush copy keys this module does not.
    other_relationships: frozenset[str]


def _python_default(column: Any) -> Callable[[], Any] | None:
    default = column.default
    if default is None or not (default.is_scalar or default.is_callable):
        return None
    if default.is_scalar:
        value = default.arg
        return lambda: value
    # SQLAlchemy wraps a column's callable to take the execution context, which ours ignore.
    return lambda: default.arg(None)


# Filled below whatever the row holds: residents' record numbers (the sequence has a default).
FILLED_HERE = frozenset({(Resident, "record_number")})


def _plan(model: Any) -> _Plan:
    """How rows of ``model`` are written (worked out at first use, when the mappers are configured)."""
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _plan_of(model)
    return plan


_PLANS: dict[Any, _Plan] = {}


def _plan_of(model: Any) -> _Plan:
    mapper: Mapper[Any] = inspect(model)
    columns = []
    for column in mapper.local_table.columns:
        default = _python_default(column)
        columns.append(
            _Column(
                attribute=mapper.get_property_by_column(column).key,
                name=column.key,
                default=default,
                keeps_none=bool(column.type.should_evaluate_none),
                needs_flush=default is None
                and (model, column.key) not in FILLED_HERE
                and (not column.nullable or column.server_default is not None or column.default is not None),
                null_if_left_out=column.default is None
                and column.server_default is None
                and not column.type.should_evaluate_none,
            )
        )
    children = []
    others = set()
    for relationship in mapper.relationships:
        if relationship.viewonly:
            continue
        if relationship.direction is ONETOMANY and "save-update" in relationship.cascade:
            child_mapper = relationship.mapper
            keys = tuple(
                (
                    mapper.get_property_by_column(local).key,
                    child_mapper.get_property_by_column(remote).key,
                )
                for local, remote in relationship.local_remote_pairs
            )
            children.append(_Children(relationship.key, keys))
        else:
            others.add(relationship.key)
    flushed_if_empty = tuple(column for column in columns if column.needs_flush)
    return _Plan(tuple(columns), flushed_if_empty, tuple(children), frozenset(others))


class _ByTheSession(Exception):
    """A row needs what only the session's flush gives it."""


def _empty(row: Any, column: _Column) -> bool:
    """The row leaves the column to its default (None set where None is no value of its own)."""
    state = row.__dict__
    return state.get(column.attribute) is None and not (column.keeps_none and column.attribute in state)


def _check(row: Any) -> _Plan:
    """The row's plan; raises ``_ByTheSession`` for a row the flush must write."""
    plan = _plan(type(row)) if type(row) in BY_CORE else None
    if (
        plan is None
        or plan.other_relationships & row.__dict__.keys()
        or any(_empty(row, column) for column in plan.flushed_if_empty)
    ):
        raise _ByTheSession
    return plan


def _with_children(rows: list[Any]) -> list[Any]:
    """The rows and the children saved with them, their keys copied from their parents, as the
    flush copies them; raises ``_ByTheSession`` before anything is written."""
    every = []
    for row in rows:
        every.append(row)
        for children in _check(row).children:
            for child in row.__dict__.get(children.attribute) or ():
                for parent_key, child_key in children.keys:
                    setattr(child, child_key, getattr(row, parent_key))
                _check(child)
                every.append(child)
    return every


def _values(row: Any, columns: list[_Column]) -> dict[str, Any]:
    """The row's INSERT parameters; defaults it lacks are set on it, into its state as the flush
    sets them (the row never enters the session: no history to keep)."""
    values = {}
    state = row.__dict__
    for column in columns:
        value = state.get(column.attribute)
        if (
            value is None
            and column.default is not None
            and not (column.keeps_none and column.attribute in state)
        ):
            value = state[column.attribute] = column.default()
        values[column.name] = value
    return values


def _by_table(rows: list[Any]) -> list[tuple[Table, list[Any]]]:
    """Rows grouped by table, referenced tables first (not every foreign key has a relationship)."""
    rank = {table: n for n, table in enumerate(db.metadata.sorted_tables)}
    ordered = sorted(rows, key=lambda row: rank[row.__table__])
    return [(table, list(group)) for table, group in groupby(ordered, key=lambda row: row.__table__)]


def _insert_by_core(session: Session, rows: list[Any]) -> None:
    groups = _by_table(_with_children(rows))
    seq = current_change_seq(session)
    for table, group in groups:
        if table is Resident.__table__:
            assign_record_numbers(session, group)
        plan = _plan(type(group[0]))
        if issubclass(type(group[0]), Synced):
            for row in group:
                row.__dict__["change_seq"] = seq
        # Columns empty in every row are left out: NULL all the same, fewer parameters to send.
        columns = [
            column
            for column in plan.columns
            if not column.null_if_left_out
            or any(row.__dict__.get(column.attribute) is not None for row in group)
        ]
        session.execute(insert(table), [_values(row, columns) for row in group])


def _insert_by_session(session: Session, rows: list[Any]) -> None:
    for _table, group in _by_table(rows):
        session.add_all(group)
        session.flush()


def insert_new_rows(rows: list[Any]) -> None:
    """Insert a batch's new rows, then flush what else the batch changed (e.g. enrollments' due dates)."""
    session = db.session()
    try:
        _insert_by_core(session, rows)
    except _ByTheSession:
        _insert_by_session(session, rows)
    session.flush()
