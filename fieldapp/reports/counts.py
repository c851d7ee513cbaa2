"""Counts kept by PostgreSQL as records are written, for the reports of a whole county.

The county's indicators aggregated the county's year of follow-ups and joined its residents
to its screened at every request (15 s at 3 million residents). Two tables hold what that
work produced, and the database keeps them, in the transaction of each write, whatever wrote
it (sync, the API, imports, merges, deletions, a hand-run SQL fix):

- ``followup_years``: per resident, condition and local year, the report's own aggregate of
  the follow-ups (``followup_aggregates``, compiled into the triggers' SQL: one definition);
- ``screening_years``: per resident and local year screened (a screening or a face-to-face
  follow-up), whether suspected and confirmed, with copies of the resident's village and
  birth date (counted without joining the residents).

Statement-level triggers on ``followups``, ``screenings``, ``screening_outcomes`` (insert,
update, delete) and ``residents`` (update) keep them (``_statements``). The recount
function's comment names the definition they were built with (their SQL, the zone of their
local years, the rules' targets): a report reads the tables only while that is today's, and
otherwise reads the records as before (``flask report-counts`` installs and rebuilds them).
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
from fieldapp.followups.rules import FACE_TO_FACE_MODES, RULES, Condition
from fieldapp.reports.models import FollowUpYear, ScreeningYear
from fieldapp.screenings.models import SUSPECTED_PATTERN
from fieldapp.screenings.rules import Outcome
from fieldapp.timeutil import local_zone

# The columns the counts read: an update that changes none of them changes no count.
_FOLLOWUP_COLUMNS = ("performed_at", *REPORT_COLUMNS)
_SCREENING_COLUMNS = ("resident_id", "performed_at", "results::text")  # (JSON has no equality)
_OUTCOME_COLUMNS = ("resident_id", "screening_id", "outcome", "outcome_on")
_FOLLOWUPS = FollowUpYear.__tablename__
_SCREENINGS = ScreeningYear.__tablename__
_RECOUNT_FOLLOWUPS = "fieldapp_counts_recount_followups"
_RECOUNT_SCREENINGS = "fieldapp_counts_recount_screenings"
_REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
_PAST = {"INSERT": "inserted", "UPDATE": "updated", "DELETE": "deleted"}
_TRIGGERS = tuple(
    (table, event_name, _REFERENCING[event_name])
    for table, events in (
        ("followups", ("INSERT", "UPDATE", "DELETE")),
        ("screenings", ("INSERT", "UPDATE", "DELETE")),
        ("screening_outcomes", ("INSERT", "UPDATE", "DELETE")),
        ("residents", ("UPDATE",)),
    )
    for event_name in events
)
# The tables the triggers are on, and the two they keep.
_COUNTED = tuple(sorted({table for table, _event, _referencing in _TRIGGERS}))
_INSTANTS = ("measured_at", "latest_at", "complete_at", "young_at", "elderly_at")


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


def _local_year(zone: str, column: Any = FollowUp.performed_at) -> Any:
    """The local calendar year of an instant (PostgreSQL: its UTC instant in ``zone``)."""
    local = func.timezone(zone, func.timezone("UTC", column))
    return cast(extract("year", local), Integer)


def _local_year_sql(zone: str, column: str) -> str:
    """``_local_year`` as SQL text, of the column named ``column``."""
    quoted = zone.replace("'", "''")
    return f"CAST(EXTRACT(year FROM timezone('{quoted}', timezone('UTC', {column}))) AS INTEGER)"


def aggregate_query(zone: str, where: Any = None) -> Any:
    """The follow-ups (those matching ``where``) aggregated as ``followup_years`` holds them."""
    year = _local_year(zone)
    query = select(FollowUp.resident_id, FollowUp.condition, year.label("year"), *followup_aggregates())
    if where is not None:
        query = query.where(where)
    return query.group_by(FollowUp.resident_id, FollowUp.condition, year)


def _compiled(query: Any) -> str:
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def _columns(model: Any) -> str:
    return ", ".join(column.name for column in model.__table__.columns)


def _followups_sql(zone: str, source: str | None = None, everyone: bool = False) -> str:
    """``INSERT INTO followup_years`` of the follow-ups of the residents ``changed`` (of all,
    ``everyone``), or of the new follow-ups ``source`` added to the rows there (an upsert:
    counts add, the newest instants are the greater)."""
    mine = FollowUp.resident_id == literal_column("ANY(changed)")
    where = None if source is not None or everyone else mine
    query = _compiled(aggregate_query(zone, where).order_by(text("1, 2, 3")))
    if source is None:
        return f"INSERT INTO {_FOLLOWUPS} ({_columns(FollowUpYear)}) {query}"
    assert query.count("\nFROM followups") == 1
    query = query.replace("\nFROM followups", f"\nFROM {source} AS followups")
    added = ", ".join(
        f"{name} = t.{name} + excluded.{name}"
        if name in ("total", "face_to_face")
        else f"{name} = GREATEST(t.{name}, excluded.{name})"
        for name in ("total", "face_to_face", *_INSTANTS)
    )
    return (
        f"INSERT INTO {_FOLLOWUPS} AS t ({_columns(FollowUpYear)}) {query} "
        f"ON CONFLICT (resident_id, condition, year) DO UPDATE SET {added}"
    )


def _screened_select(zone: str, where: str | None = "= ANY(changed)") -> str:
    """The rows of ``screening_years`` of the residents ``changed`` (all, with ``where`` None),
    from their screenings, confirmations and face-to-face follow-ups (``followup_years``)."""
    year = _local_year_sql(zone, "s.performed_at")
    suspected = _suspected("s.")
    mine = "" if where is None else f"WHERE s.resident_id {where}"
    followed = "" if where is None else f"AND f.resident_id {where}"
    return f"""SELECT r.id, y.year, r.village_id, r.birth_date, bool_or(y.suspected), bool_or(y.confirmed)
    FROM (
        SELECT s.resident_id, {year} AS year, {suspected} AS suspected,
            {suspected} AND EXISTS (
                SELECT 1 FROM screening_outcomes o WHERE o.screening_id = s.id
                AND o.outcome = '{Outcome.CONFIRMED.value}'
                AND CAST(EXTRACT(year FROM o.outcome_on) AS INTEGER) = {year}
            ) AS confirmed
        FROM screenings s {mine}
        UNION ALL
        SELECT f.resident_id, f.year, false, false FROM {_FOLLOWUPS} f
        WHERE f.measured_at IS NOT NULL {followed}
    ) AS y JOIN residents r ON r.id = y.resident_id
    GROUP BY r.id, y.year ORDER BY 1, 2"""


def _screenings_sql(zone: str, where: str | None = "= ANY(changed)") -> str:
    """``INSERT INTO screening_years`` of ``_screened_select``."""
    return f"INSERT INTO {_SCREENINGS} ({_columns(ScreeningYear)}) {_screened_select(zone, where)}"


def recounted() -> tuple[Any, Any]:
    """What the two tables would hold if counted now from the records (statements, for checks):
    the follow-ups' aggregate, and the screened (read from ``followup_years`` as kept)."""
    zone = _zone()
    return aggregate_query(zone), text(_screened_select(zone, where=None))


def _suspected(alias: str = "") -> str:
    """A screening with any suspected result (``screenings.service.suspected_any``), as SQL text."""
    return f"CAST({alias}results AS TEXT) LIKE '{SUSPECTED_PATTERN}'"


def _upsert_screened(rows: str, on_conflict: str) -> str:
    """Upsert ``screening_years`` from ``rows`` (resident_id, year, suspected, confirmed)."""
    return f"""INSERT INTO {_SCREENINGS} AS t ({_columns(ScreeningYear)})
    SELECT r.id, y.year, r.village_id, r.birth_date, bool_or(y.suspected), bool_or(y.confirmed)
    FROM ({rows}) AS y(resident_id, year, suspected, confirmed) JOIN residents r ON r.id = y.resident_id
    GROUP BY r.id, y.year ORDER BY 1, 2
    ON CONFLICT (resident_id, year) DO {on_conflict}"""


def _changed(old: str, new: str, columns: tuple[str, ...], resident: str = "resident_id") -> str:
    """The residents of an UPDATE's rows whose ``columns`` changed (before and after)."""
    before = ", ".join(f"o.{name}" for name in columns)
    after = ", ".join(f"n.{name}" for name in columns)
    return (
        f"SELECT r FROM {old} o JOIN {new} n ON n.id = o.id, "
        f"LATERAL (VALUES (o.{resident}), (n.{resident})) AS t(r) "
        f"WHERE ({before}) IS DISTINCT FROM ({after})"
    )


def _function(name: str, body: str, arguments: str = "", returns: str = "trigger") -> str:
    return f"""CREATE OR REPLACE FUNCTION {name}({arguments}) RETURNS {returns} LANGUAGE plpgsql AS $body$
BEGIN
{body}
END
$body$"""


def _again(delete: str, insert: str) -> str:
    """``delete`` then ``insert``, again if a concurrent INSERT's upsert added a row of the same
    key meanwhile (it committed while this waited on it): the next try reads its records too."""
    return f"""    LOOP
        BEGIN
            {delete};
            {insert};
            EXIT;
        EXCEPTION WHEN unique_violation THEN
            NULL;  -- counted again, now seeing the other writer's committed rows
        END;
    END LOOP;"""


def _recount(function: str, residents: str) -> str:
    return f"    PERFORM {function}(ARRAY(SELECT DISTINCT r.x FROM ({residents}) AS r(x)));\n    RETURN NULL;"


def _statements(zone: str) -> list[str]:
    """The functions and triggers that keep the counts, in the order they are created.

    An INSERT (the common write: a sync push, an import) adds its rows to the counts without
    a lock of its own: concurrent inserts meet on the counts' rows, and each upsert adds to the
    newest version. An UPDATE or DELETE recounts its residents from their records, one writer
    per resident at a time (a second waits for the first to commit, and its next statement then
    reads the first one's records too: READ COMMITTED).
    """
    lock = "    PERFORM 1 FROM residents WHERE id = ANY(changed) ORDER BY id FOR NO KEY UPDATE;"
    measured = f"mode IN ({', '.join(repr(mode) for mode in FACE_TO_FACE_MODES)})"
    screening_year = _local_year_sql(zone, "performed_at")
    statements = [
        _function(
            _RECOUNT_SCREENINGS,
            f"""    IF cardinality(changed) = 0 THEN
        RETURN;
    END IF;
{lock}
{_again(f"DELETE FROM {_SCREENINGS} WHERE resident_id = ANY(changed)", _screenings_sql(zone))}""",
            "changed uuid[]",
            "void",
        ),
        _function(
            _RECOUNT_FOLLOWUPS,
            f"""    IF cardinality(changed) = 0 THEN
        RETURN;
    END IF;
{lock}
{_again(f"DELETE FROM {_FOLLOWUPS} WHERE resident_id = ANY(changed)", _followups_sql(zone))}
    PERFORM {_RECOUNT_SCREENINGS}(changed);""",
            "changed uuid[]",
            "void",
        ),
        # followups
        _function(
            "fieldapp_counts_followups_inserted",
            f"""    {_followups_sql(zone, "new_rows")};
    {
                _upsert_screened(
                    f"SELECT DISTINCT resident_id, {screening_year}, false, false FROM new_rows WHERE {measured}",
                    "NOTHING",
                )
            };
    RETURN NULL;""",
        ),
        _function(
            "fieldapp_counts_followups_updated",
            _recount(_RECOUNT_FOLLOWUPS, _changed("old_rows", "new_rows", _FOLLOWUP_COLUMNS)),
        ),
        _function(
            "fieldapp_counts_followups_deleted",
            _recount(_RECOUNT_FOLLOWUPS, "SELECT resident_id FROM old_rows"),
        ),
        # screenings
        _function(
            "fieldapp_counts_screenings_inserted",
            f"""    {
                _upsert_screened(
                    f"SELECT resident_id, {screening_year}, {_suspected()}, false FROM new_rows",
                    "UPDATE SET suspected = t.suspected OR excluded.suspected",
                )
            };
    RETURN NULL;""",
        ),
        _function(
            "fieldapp_counts_screenings_updated",
            _recount(_RECOUNT_SCREENINGS, _changed("old_rows", "new_rows", _SCREENING_COLUMNS)),
        ),
        _function(
            "fieldapp_counts_screenings_deleted",
            _recount(_RECOUNT_SCREENINGS, "SELECT resident_id FROM old_rows"),
        ),
        # screening_outcomes: a confirmation of a suspected screening, within its year
        _function(
            "fieldapp_counts_screening_outcomes_inserted",
            f"""    {
                _upsert_screened(
                    f"SELECT s.resident_id, {_local_year_sql(zone, 's.performed_at')}, true, true "
                    f"FROM new_rows o JOIN screenings s ON s.id = o.screening_id "
                    f"WHERE o.outcome = '{Outcome.CONFIRMED.value}' AND {_suspected('s.')} "
                    f"AND CAST(EXTRACT(year FROM o.outcome_on) AS INTEGER) = {_local_year_sql(zone, 's.performed_at')}",
                    "UPDATE SET suspected = true, confirmed = true",
                )
            };
    RETURN NULL;""",
        ),
        _function(
            "fieldapp_counts_screening_outcomes_updated",
            _recount(_RECOUNT_SCREENINGS, _changed("old_rows", "new_rows", _OUTCOME_COLUMNS)),
        ),
        _function(
            "fieldapp_counts_screening_outcomes_deleted",
            _recount(_RECOUNT_SCREENINGS, "SELECT resident_id FROM old_rows"),
        ),
        # residents: the copies of a village and a birth date
        _function(
            "fieldapp_counts_residents_updated",
            f"""    UPDATE {_SCREENINGS} t SET village_id = n.village_id, birth_date = n.birth_date
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE t.resident_id = n.id AND (o.village_id, o.birth_date) IS DISTINCT FROM (n.village_id, n.birth_date);
    RETURN NULL;""",
        ),
    ]
    for table, event_name, referencing in _TRIGGERS:
        name = _trigger_name(table, event_name)
        # (Replaced in place: dropping a trigger would wait for every reader of its table.)
        statements.append(
            f"CREATE OR REPLACE TRIGGER {name} AFTER {event_name} ON {table} {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION fieldapp_counts_{table}_{_PAST[event_name]}()"
        )
        # Fired in every session, a bulk load's too (``bulk.insert_rows`` skips foreign-key
        # checks as a replica does: the counts must not be skipped with them).
        statements.append(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")
    return statements


def _trigger_name(table: str, event_name: str) -> str:
    return f"counts_{table}_{_PAST[event_name]}"


def _zone() -> str:
    return local_zone().key


def definition() -> str:
    """What the recount function's comment says while the tables hold today's counts: a digest
    of the triggers' SQL."""
    return _definition_in(_zone())


@lru_cache
def _definition_in(zone: str) -> str:
    digest = hashlib.sha256("\n".join(_statements(zone)).encode()).hexdigest()[:16]
    return f"fieldapp counts {digest}"


def install(connection: Connection) -> None:
    """Create (or replace) the triggers and rebuild the counts from the records (PostgreSQL).

    Writers of the counted records wait for the rebuild (seconds at 3 million residents):
    the counts never miss a record written meanwhile.
    """
    if connection.dialect.name != "postgresql":
        return
    zone = _zone()
    connection.execute(text(f"LOCK TABLE {', '.join(_COUNTED)} IN SHARE MODE"))
    for statement in _statements(zone):
        connection.execute(text(statement))
    connection.execute(text(f"DELETE FROM {_SCREENINGS}"))
    connection.execute(text(f"DELETE FROM {_FOLLOWUPS}"))
    connection.execute(text(_followups_sql(zone, everyone=True)))
    connection.execute(text(_screenings_sql(zone, where=None)))
    connection.execute(text(f"COMMENT ON FUNCTION {_RECOUNT_FOLLOWUPS}(uuid[]) IS '{definition()}'"))


def remove(connection: Connection) -> None:
    """Drop the triggers and forget the definition (a bulk load then calls ``install``)."""
    if connection.dialect.name != "postgresql":
        return
    for table, event_name, _referencing in _TRIGGERS:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event_name)} ON {table}"))
    connection.execute(
        text(
            f"DO $$ BEGIN IF to_regprocedure('{_RECOUNT_FOLLOWUPS}(uuid[])') IS NOT NULL THEN "
            f"COMMENT ON FUNCTION {_RECOUNT_FOLLOWUPS}(uuid[]) IS NULL; END IF; END $$"
        )
    )


def uninstall(connection: Connection) -> None:
    """Drop the triggers and their functions (a downgrade)."""
    remove(connection)
    for table, event_name, _referencing in _TRIGGERS:
        connection.execute(text(f"DROP FUNCTION IF EXISTS fieldapp_counts_{table}_{_PAST[event_name]}()"))
    for function in (_RECOUNT_FOLLOWUPS, _RECOUNT_SCREENINGS):
        connection.execute(text(f"DROP FUNCTION IF EXISTS {function}(uuid[])"))


# The definition the recount function was installed with, while every trigger is enabled.
_INSTALLED = text(
    f"SELECT obj_description(to_regprocedure('{_RECOUNT_FOLLOWUPS}(uuid[])'), 'pg_proc') "
    "WHERE (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' AND tgname IN "
    f"({', '.join(repr(_trigger_name(t, e)) for t, e, _r in _TRIGGERS)})) = {len(_TRIGGERS)}"
)


def current() -> bool:
    """The tables hold today's counts (PostgreSQL, installed with today's definition)."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = db.session.scalar(_INSTALLED)
    if found == definition():
        return True
    current_app.logger.warning(
        "the report counts are not current (%s): reports read the records; run `flask report-counts`", found
    )
    return False


@event.listens_for(db.metadata, "after_create")
def _after_create(target: Any, connection: Connection, **kw: Any) -> None:
    """``create_all`` (tests, benchmarks, a new database) installs the triggers too."""
    names = {table.name for table in kw.get("tables") or target.sorted_tables}
    if {*_COUNTED, _FOLLOWUPS, _SCREENINGS} <= names:
        install(connection)
