"""Follow-up counts per resident, condition and year, kept by PostgreSQL as follow-ups are written.

The county's indicators aggregated the county's year of follow-ups at every request (3.85
million rows, 4.4 s of a 15 s report at 3 million residents). ``followup_years`` holds that
aggregate, one row per resident, condition and local year, and the database keeps it: three
statement-level triggers on ``followups`` (insert, update, delete) recompute the rows of the
residents a statement touched, in the same transaction, whatever wrote it (sync, the API,
imports, merges, deletions, a hand-run SQL fix). The aggregate is the report's own
(``followup_aggregates``), compiled into the trigger's SQL: one definition, not two.

The refresh function's comment names the definition it was built with (its SQL, the zone of its local
years, the rules' targets): a report reads the table only while that is today's, and
otherwise reads the records as before (``flask report-counts`` installs and rebuilds it).
SQLite has no triggers here: its county (300,000 residents) reads the records.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, event, extract, func, literal_column, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from fieldapp.extensions import db
from fieldapp.followups.models import REPORT_COLUMNS, FollowUp
from fieldapp.followups.rules import RULES, Condition
from fieldapp.reports.models import FollowUpYear
from fieldapp.timeutil import local_zone

# DOMAIN.md: face-to-face follow-ups (clinic or home) count; phone calls do not.
FACE_TO_FACE_MODES = ("clinic", "home")
# The follow-up columns the aggregate reads: an update that changes none of them changes no count.
_READ_COLUMNS = ("performed_at", *REPORT_COLUMNS)
_TABLE = FollowUpYear.__tablename__
_REFRESH = "fieldapp_followup_years_refresh"
_EVENTS = (
    ("inserted", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("updated", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("deleted", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
)


def on_target(elderly: bool) -> Any:
    """A follow-up's values meet its condition's target (DOMAIN.md's control indicator), for a
    resident aged 65 or over on the day (``elderly``) or younger.

    Hypertension: sbp < 140 and dbp < 90, aged 65+: sbp < 150 and dbp < 90; diabetes: fasting
    glucose < 7.0. The classification is not read: an adverse reaction or a complication on
    target counts as controlled.
    """
    sbp_limit = RULES["target_sbp_elderly" if elderly else "target_sbp"].value
    return or_(
        and_(
            FollowUp.condition == Condition.HYPERTENSION.value,
            FollowUp.sbp < sbp_limit,
            FollowUp.dbp < RULES["target_dbp"].value,
        ),
        and_(
            FollowUp.condition == Condition.DIABETES.value,
            FollowUp.fasting_glucose < RULES["target_glucose_high"].value,
        ),
    )


def followup_aggregates() -> list[Any]:
    """The year's follow-ups of one resident and condition, aggregated (labelled columns).

    The newest face-to-face follow-up is on target exactly when the newest one on target (by
    the limits of the resident's age on that day) is as new: both limits are kept
    (``young_at``, ``elderly_at``) and the resident's age at ``measured_at`` picks one.
    """
    is_face_to_face = FollowUp.mode.in_(FACE_TO_FACE_MODES)

    def newest(condition: Any) -> Any:
        return func.max(case((condition, FollowUp.performed_at)))

    return [
        func.count().label("total"),
        func.sum(case((is_face_to_face, 1), else_=0)).label("face_to_face"),
        newest(is_face_to_face).label("measured_at"),
        # The latest record of any mode, and the latest complete one (complete_records_rate).
        func.max(FollowUp.performed_at).label("latest_at"),
        newest(FollowUp.complete.is_(True)).label("complete_at"),
        newest(and_(is_face_to_face, on_target(elderly=False))).label("young_at"),
        newest(and_(is_face_to_face, on_target(elderly=True))).label("elderly_at"),
    ]


def _local_year(zone: str) -> Any:
    """The local calendar year of a follow-up (PostgreSQL: its UTC instant in ``zone``)."""
    local = func.timezone(zone, func.timezone("UTC", FollowUp.performed_at))
    return cast(extract("year", local), Integer)


def aggregate_query(zone: str, where: Any = None) -> Any:
    """The follow-ups (those matching ``where``) aggregated as ``followup_years`` holds them."""
    year = _local_year(zone)
    query = select(FollowUp.resident_id, FollowUp.condition, year.label("year"), *followup_aggregates())
    if where is not None:
        query = query.where(where)
    return query.group_by(FollowUp.resident_id, FollowUp.condition, year)


def _aggregate_sql(zone: str, where: Any = None) -> str:
    """``INSERT INTO followup_years`` of ``aggregate_query``, as SQL text."""
    query = aggregate_query(zone, where)
    columns = ", ".join(column.name for column in FollowUpYear.__table__.columns)
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return f"INSERT INTO {_TABLE} ({columns}) {compiled}"


def _statements(zone: str) -> list[str]:
    """The functions and triggers that keep ``followup_years``, in the order they are created."""
    refresh = _aggregate_sql(zone, FollowUp.resident_id == literal_column("ANY(changed)"))
    old = ", ".join(f"o.{name}" for name in _READ_COLUMNS)
    new = ", ".join(f"n.{name}" for name in _READ_COLUMNS)
    touched = {
        "inserted": "SELECT resident_id FROM new_rows",
        "deleted": "SELECT resident_id FROM old_rows",
        # Only the rows whose counted columns changed (a village copy or a sync stamp does not).
        "updated": (
            "SELECT r FROM old_rows o JOIN new_rows n ON n.id = o.id, "
            "LATERAL (VALUES (o.resident_id), (n.resident_id)) AS t(r) "
            f"WHERE ({old}) IS DISTINCT FROM ({new})"
        ),
    }
    statements = [
        f"""CREATE OR REPLACE FUNCTION {_REFRESH}(changed uuid[]) RETURNS void LANGUAGE plpgsql AS $body$
BEGIN
    IF cardinality(changed) = 0 THEN
        RETURN;
    END IF;
    -- One writer at a time per resident: a second waits here for the first to commit, and its
    -- next statement then reads the first one's follow-ups too (READ COMMITTED).
    PERFORM 1 FROM residents WHERE id = ANY(changed) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM {_TABLE} WHERE resident_id = ANY(changed);
    {refresh};
END
$body$"""
    ]
    for name, _event, _referencing in _EVENTS:
        statements.append(
            f"""CREATE OR REPLACE FUNCTION fieldapp_followup_years_{name}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM {_REFRESH}(ARRAY(SELECT DISTINCT r.resident_id FROM ({touched[name]}) AS r(resident_id)));
    RETURN NULL;
END
$body$"""
        )
    for name, event_name, referencing in _EVENTS:
        statements.append(f"DROP TRIGGER IF EXISTS followup_years_{name} ON followups")
        statements.append(
            f"CREATE TRIGGER followup_years_{name} AFTER {event_name} ON followups {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION fieldapp_followup_years_{name}()"
        )
        # Fired in every session, a bulk load's too (``bulk.insert_rows`` skips foreign-key
        # checks as a replica does: the counts must not be skipped with them).
        statements.append(f"ALTER TABLE followups ENABLE ALWAYS TRIGGER followup_years_{name}")
    return statements


def _zone() -> str:
    return local_zone().key


def definition() -> str:
    """What the refresh function's comment says while the table holds today's counts: a digest
    of the triggers' SQL."""
    return _definition_in(_zone())


@lru_cache
def _definition_in(zone: str) -> str:
    digest = hashlib.sha256("\n".join(_statements(zone)).encode()).hexdigest()[:16]
    return f"fieldapp followup_years {digest}"


def install(connection: Connection) -> None:
    """Create (or replace) the triggers and rebuild the table from the follow-ups (PostgreSQL).

    Writers of follow-ups wait for the rebuild (a few seconds at 3 million residents): the
    table is never missing a follow-up written meanwhile.
    """
    if connection.dialect.name != "postgresql":
        return
    zone = _zone()
    connection.execute(text("LOCK TABLE followups IN SHARE MODE"))
    for statement in _statements(zone):
        connection.execute(text(statement))
    connection.execute(text(f"DELETE FROM {_TABLE}"))
    connection.execute(text(_aggregate_sql(zone)))
    connection.execute(text(f"COMMENT ON FUNCTION {_REFRESH}(uuid[]) IS '{definition()}'"))


def remove(connection: Connection) -> None:
    """Drop the triggers and forget the definition (a bulk load then calls ``install``)."""
    if connection.dialect.name != "postgresql":
        return
    for name, _event, _referencing in _EVENTS:
        connection.execute(text(f"DROP TRIGGER IF EXISTS followup_years_{name} ON followups"))
    connection.execute(
        text(
            f"DO $$ BEGIN IF to_regprocedure('{_REFRESH}(uuid[])') IS NOT NULL THEN "
            f"COMMENT ON FUNCTION {_REFRESH}(uuid[]) IS NULL; END IF; END $$"
        )
    )


def uninstall(connection: Connection) -> None:
    """Drop the triggers and their functions (a downgrade)."""
    remove(connection)
    for name, _event, _referencing in _EVENTS:
        connection.execute(text(f"DROP FUNCTION IF EXISTS fieldapp_followup_years_{name}()"))
    connection.execute(text(f"DROP FUNCTION IF EXISTS {_REFRESH}(uuid[])"))


# The definition the refresh function was installed with, while its three triggers are enabled.
_INSTALLED = text(
    f"SELECT obj_description(to_regprocedure('{_REFRESH}(uuid[])'), 'pg_proc') "
    "WHERE (SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('followups') "
    f"AND tgname IN ({', '.join(repr(f'followup_years_{name}') for name, _e, _r in _EVENTS)}) "
    "AND tgenabled <> 'D') = 3"
)


def current() -> bool:
    """The table holds today's counts (PostgreSQL, installed with today's definition)."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = db.session.scalar(_INSTALLED)
    if found == definition():
        return True
    current_app.logger.warning(
        "followup_years is not current (%s): reports read the follow-ups; run `flask report-counts`", found
    )
    return False


@event.listens_for(db.metadata, "after_create")
def _after_create(target: Any, connection: Connection, **kw: Any) -> None:
    """``create_all`` (tests, benchmarks, a new database) installs the triggers too."""
    names = {table.name for table in kw.get("tables") or target.sorted_tables}
    if {"followups", "residents", _TABLE} <= names:
        install(connection)
