"""BPHS indicators, village coverage and doctors' work, each computed by set-based SQL.

Nothing here loads residents into Python: every figure is a GROUP BY over the
area's rows, so a county of 300,000 residents costs a few queries, not a loop.
Years are calendar years of the deployment's time zone; instants are compared
with the UTC bounds of that local year.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

from flask import has_request_context, request
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)

from fieldapp.auth.models import Role, User, user_villages
from fieldapp.auth.scoping import FIELD_ROLES, TOWNSHIP_ROLES
from fieldapp.dbtypes import fixed
from fieldapp.errors import ForbiddenError, NotFoundError
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp, Visit
from fieldapp.followups.rules import FACE_TO_FACE_MODES, RULES, Classification, Condition
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.messaging.models import Message, MessageStatus
from fieldapp.org.models import Township, Village
from fieldapp.patrols.models import Patrol, PatrolKind, PatrolStatus
from fieldapp.referrals.models import Referral
from fieldapp.reports import counts
from fieldapp.reports.counts import followup_aggregates
from fieldapp.reports.models import FollowUpYear, ScreeningYear
from fieldapp.residents.models import Resident
from fieldapp.screenings.models import Screening, ScreeningOutcome
from fieldapp.screenings.rules import Outcome, age_cutoff
from fieldapp.screenings.service import suspected_any
from fieldapp.timeutil import local_today, local_zone, utcnow

CONDITIONS = tuple(condition.value for condition in Condition)
# DOMAIN.md: at least 4 face-to-face follow-ups a year (rules.FACE_TO_FACE_MODES).
FOLLOWUPS_PER_YEAR = 4
CONTROLLED = Classification.CONTROLLED.value
REFERRAL_STATUSES = ("pending", "accepted", "declined", "completed", "cancelled")
SMS_STATUSES = tuple(status.value for status in MessageStatus)
# A village with no visit of any kind in this many days is a blank spot.
COVERAGE_WINDOW_DAYS = 30
LOST_AFTER_DAYS = int(RULES["lost_after_days"].value)
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Year:
    """A local calendar year: its first and last dates and the UTC instants that bound it."""

    year: int
    first_day: date
    last_day: date
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, year: int) -> Year:
        """The local calendar year ``year``."""
        return cls(
            year=year,
            first_day=date(year, 1, 1),
            last_day=date(year, 12, 31),
            starts_at=_local_midnight(date(year, 1, 1)),
            ends_at=_local_midnight(date(year + 1, 1, 1)),
        )

    def contains(self, column: Any) -> ColumnElement[bool]:
        """``column`` (a UTC instant) falls in this local year."""
        return and_(column >= self.starts_at, column < self.ends_at)

    def month_of(self, column: Any) -> Any:
        """The local month (1-12) of an instant in this year, computed portably in SQL."""
        starts = [_local_midnight(date(self.year, month, 1)) for month in range(2, 13)]
        return case(*[(column < start, month) for month, start in enumerate(starts, start=1)], else_=12)


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=local_zone()).astimezone(UTC)


def rate(part: int, whole: int) -> float:
    """``part / whole`` rounded half up to 4 places; 0 when ``whole`` is 0."""
    if whole == 0:
        return 0.0
    return float((Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP))


# A report's statements are few and big: on PostgreSQL, no JIT (compiling a county's plan took
# longer than running it: 4 of 4.1 s) and room to hash and sort a township's year in memory;
# the county's (a monthly report of the county admin's) gets more, so that a prefecture of
# 3 million hashes its residents without spilling to disk. And a plan made for each run's own
# parameters: psycopg prepares a statement run five times, and the generic plan PostgreSQL
# then keeps for any township and year cost a township's indicators 237 ms against 187 ms
# (planning anew costs about 5 ms).
REPORT_SETTINGS = {"jit": "off", "work_mem": "64MB", "plan_cache_mode": "force_custom_plan"}
COUNTY_WORK_MEM = "256MB"


def _per_request() -> dict[str, Any]:
    """What a report remembers for the rest of its request (nothing outside one)."""
    if not has_request_context():
        return {}
    memo: dict[str, Any] | None = getattr(request, "_report_memo", None)
    if memo is None:
        memo = {}
        request._report_memo = memo  # type: ignore[attr-defined]
    return memo


def report_settings(county: bool = False) -> None:
    """Give the rest of this transaction the report's PostgreSQL settings (nothing elsewhere):
    once a request (a page of several reports reads in one transaction); ``county``: a whole
    county's, with more memory."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    memo = _per_request()
    wanted = "county" if county else "area"
    if memo.get("settings") in (wanted, "county"):
        return
    settings = {**REPORT_SETTINGS, **({"work_mem": COUNTY_WORK_MEM} if county else {})}
    assignments = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in settings.items())
    db.session.execute(text(f"SELECT {assignments}"))
    memo["settings"] = wanted


def report_township(user: User, township_id: uuid.UUID | None) -> uuid.UUID | None:
    """The township a report covers (``None``: the whole county), as the user may see it.

    A county admin chooses (or takes the county); township staff always get their
    own township, and another one is 404 like anything outside their area. The
    transaction gets the report's settings (``report_settings``).
    """
    if user.role == Role.COUNTY_ADMIN:
        if township_id is not None and db.session.get(Township, township_id) is None:
            raise NotFoundError("No such township.")
        report_settings(county=township_id is None)
        return township_id
    report_settings()
    if user.role in TOWNSHIP_ROLES and user.township_id is not None:
        if township_id is not None and township_id != user.township_id:
            raise NotFoundError("No such township.")
        return user.township_id
    raise ForbiddenError("Reports are for township staff and county admins.")


def _township_villages(township_id: uuid.UUID) -> list[uuid.UUID]:
    """The township's village ids, read once per request: given to the planner as values, they
    let it estimate a township's rows (a subquery's values it would guess)."""
    known: dict[uuid.UUID, list[uuid.UUID]] = _per_request().setdefault("villages", {})
    if township_id not in known:
        known[township_id] = list(
            db.session.scalars(select(Village.id).where(Village.township_id == township_id))
        )
    return known[township_id]


def _in_township(village_column: Any, township_id: uuid.UUID | None) -> ColumnElement[bool]:
    if township_id is None:
        return true()
    villages = _township_villages(township_id)
    return village_column.in_(villages) if villages else false()


def _followups_in_township(township_id: uuid.UUID | None) -> ColumnElement[bool]:
    """Follow-ups of the township, by their village (a copy of their resident's, as the
    enrollments' is: ``residents.models.carries_village``).

    Each village is then one index range of ``(village_id, performed_at)``, its year read in
    order from leaf pages that hold the columns the report reads: a township's report never
    walks the county's year, nor descends the index once per enrollment (which grew with the
    county: one more level, and pages outside the cache).
    """
    return _in_township(FollowUp.village_id, township_id)


def _month_numbers() -> Any:
    """The months 1-12 as a one-column table ``month`` (a UNION of literals: SQLite and PostgreSQL)."""
    return union_all(*(select(literal(m, Integer).label("month")) for m in range(1, 13))).cte("months")


def _enrollment_spans(township_id: uuid.UUID | None, year: Year, months: Any = None) -> Any:
    """Managed residents aged 35+ on 31 December per condition (and village), with the months of the
    year they were enrolled.

    A resident enrolled twice in one year for a condition (closed, then enrolled
    again) counts once, from the first enrolled month to the last. Given ``months``
    (see ``_month_numbers``), each is evaluated as of that month's end: one row per
    resident and month they were managed by then, the last month capped at it.
    """
    first_month = case(
        (Enrollment.enrolled_on < year.first_day, 1),
        else_=cast(extract("month", Enrollment.enrolled_on), Integer),
    )
    last_month = case(
        (or_(Enrollment.closed_on.is_(None), Enrollment.closed_on > year.last_day), 12),
        else_=cast(extract("month", Enrollment.closed_on), Integer),
    )
    monthly = [] if months is None else [months.c.month]
    for through in monthly:
        last_month = case((last_month > through, through), else_=last_month)
    return (
        select(
            Enrollment.resident_id,
            Enrollment.condition,
            Enrollment.village_id,
            *monthly,
            func.min(first_month).label("first_month"),
            func.max(last_month).label("last_month"),
            func.min(Resident.birth_date).label("birth_date"),
        )
        .join(Resident, Resident.id == Enrollment.resident_id)
        .where(
            Enrollment.enrolled_on <= year.last_day,
            or_(Enrollment.closed_on.is_(None), Enrollment.closed_on >= year.first_day),
            _in_township(Enrollment.village_id, township_id),
            # The same villages on the resident (kept in step with the enrollment's): a township's
            # residents are then read by the village index too, never the county's.
            _in_township(Resident.village_id, township_id),
            Resident.birth_date <= age_cutoff(year.year),
            *(first_month <= through for through in monthly),
        )
        .group_by(Enrollment.resident_id, Enrollment.condition, Enrollment.village_id, *monthly)
        .cte("spans")
    )


def _day_number(column: Any, local: bool) -> Any:
    """A date as the number yyyymmdd; for an instant (``local``), of its local date.

    Completed years between two days are ``(later - earlier) // 10000`` of these numbers
    (a 29 February birthday falls on 1 March in other years, as the follow-up rules say).
    """
    if not local:
        return (
            cast(extract("year", column), Integer) * 10000
            + cast(extract("month", column), Integer) * 100
            + cast(extract("day", column), Integer)
        )
    if db.session.get_bind().dialect.name == "postgresql":
        zone = local_zone().key
        return cast(func.to_char(func.timezone(zone, func.timezone("UTC", column)), "YYYYMMDD"), Integer)
    # SQLite: the zone's offset now (Asia/Shanghai has no daylight saving time).
    offset = utcnow().astimezone(local_zone()).utcoffset() or timedelta(0)
    return cast(func.strftime("%Y%m%d", column, f"{int(offset.total_seconds() // 60):+d} minutes"), Integer)


def _elderly_on(instant: Any, birth_date: Any) -> ColumnElement[bool]:
    """The resident born on ``birth_date`` was 65 or over on the local date of ``instant``."""
    age_days = _day_number(instant, local=True) - _day_number(birth_date, local=False)
    return age_days >= int(RULES["elderly_age"].value) * 10000


def _condition_rows(
    township_id: uuid.UUID | None, year: Year, by_village: bool, by_month: bool = False
) -> list[Any]:
    """Rows of (condition, village_id, month, managed, standardized, controlled, health_checked,
    followups, face_to_face): see ``_condition_query``."""
    query, _latest = _condition_query(township_id, year, by_village, by_month)
    return list(db.session.execute(select(query)))


def _condition_query(
    township_id: uuid.UUID | None, year: Year, by_village: bool, by_month: bool = False, counted: bool = False
) -> tuple[Any, Any]:
    """Rows of (condition, village_id, month, managed, standardized, controlled, health_checked,
    followups, face_to_face).

    ``village_id`` and ``month`` are None unless asked for; ``by_month`` gives each
    month's figures as of its end, counted from January (December's are the year's).
    ``counted``: the follow-ups' aggregate is read from ``followup_years`` (a whole year only).
    """
    months = _month_numbers() if by_month else None
    spans = _enrollment_spans(township_id, year, months)
    monthly = [] if months is None else [months.c.month]

    # One aggregate of the area's follow-ups of the year per resident and condition, read from a
    # covering index and joined to nobody (``counts.followup_aggregates``); the age at
    # ``measured_at`` picks its target once per resident below (follow-ups sharing the newest
    # instant count if one is on target). ``counted``: the same aggregate as kept by PostgreSQL
    # (``followup_years``), read instead of the year's follow-ups (a subquery, which the
    # planner reads in parallel; a CTE it would not).
    latest: Any
    if counted:
        latest = select(FollowUpYear).where(FollowUpYear.year == year.year).subquery("latest")
    else:
        latest = (
            select(FollowUp.resident_id, FollowUp.condition, *monthly, *followup_aggregates())
            .where(
                year.contains(FollowUp.performed_at),
                _followups_in_township(township_id),
                *(year.month_of(FollowUp.performed_at) <= through for through in monthly),
            )
            .group_by(FollowUp.resident_id, FollowUp.condition, *monthly)
            .cte("latest")
        )
    checked = (
        select(
            HealthCheck.resident_id,
            func.min(cast(extract("month", HealthCheck.performed_on), Integer)).label("first_month"),
        )
        .where(
            HealthCheck.performed_on.between(year.first_day, year.last_day),
            # A township's year of checks village by village (checks carry their resident's
            # village), joined to the managed below; the county's year is read whole (one pass
            # and a hash join, not a probe per resident).
            _in_township(HealthCheck.village_id, township_id),
        )
        .group_by(HealthCheck.resident_id)
        .cte("checked")
    )
    spans_months = spans.c.last_month - spans.c.first_month + 1
    # n >= ceil(4m/12) holds exactly when 12n >= 4m, for whole n: no division in SQL.
    standardized = 12 * func.coalesce(latest.c.face_to_face, 0) >= FOLLOWUPS_PER_YEAR * spans_months
    on_target_at = case(
        (_elderly_on(latest.c.measured_at, spans.c.birth_date), latest.c.elderly_at), else_=latest.c.young_at
    )
    controlled = on_target_at == latest.c.measured_at
    village = spans.c.village_id if by_village else literal(None)
    month = spans.c.month if by_month else literal(None)
    same_month = [] if months is None else [latest.c.month == spans.c.month]
    checked_by_then = (
        checked.c.first_month <= spans.c.month if by_month else checked.c.first_month.is_not(None)
    )
    query = (
        select(
            spans.c.condition,
            village.label("village_id"),
            month.label("month"),
            func.count().label("managed"),
            func.sum(case((standardized, 1), else_=0)).label("standardized"),
            func.sum(case((controlled, 1), else_=0)).label("controlled"),
            func.count(latest.c.latest_at).label("latest_records"),
            func.sum(case((latest.c.complete_at == latest.c.latest_at, 1), else_=0)).label(
                "complete_records"
            ),
            func.sum(case((checked_by_then, 1), else_=0)).label("health_checked"),
            func.sum(latest.c.total).label("followups"),
            func.sum(latest.c.face_to_face).label("face_to_face"),
        )
        .select_from(spans)
        .outerjoin(
            latest,
            and_(
                latest.c.resident_id == spans.c.resident_id,
                latest.c.condition == spans.c.condition,
                *same_month,
            ),
        )
        .outerjoin(checked, checked.c.resident_id == spans.c.resident_id)
        .group_by(
            spans.c.condition,
            *([spans.c.village_id] if by_village else []),
            *([spans.c.month] if by_month else []),
        )
    )
    return query.subquery("conditions"), latest


# The counts of one condition that add up across villages and townships.
CONDITION_COUNTS = (
    "managed",
    "standardized",
    "controlled",
    "health_checked",
    "latest_records",
    "complete_records",
)


def condition_block(counts: dict[str, int], expected: int | None) -> dict[str, Any]:
    """One condition's indicators from its counts and the expected number (None: not set)."""
    managed = counts["managed"]
    return {
        "managed": managed,
        "expected": expected,
        "management_rate": rate(managed, expected) if expected else None,
        "standardized": counts["standardized"],
        "standardized_management_rate": rate(counts["standardized"], managed),
        "controlled": counts["controlled"],
        "control_rate": rate(counts["controlled"], managed),
        "health_checked": counts["health_checked"],
        "health_check_rate": rate(counts["health_checked"], managed),
        "latest_records": counts["latest_records"],
        "complete_records": counts["complete_records"],
        "complete_records_rate": rate(counts["complete_records"], counts["latest_records"]),
    }


def _blocks(rows: list[Any], expected: dict[str, int | None] | None = None) -> dict[str, dict[str, Any]]:
    """Indicators per condition from rows of one group (zeros for a condition with none)."""
    found = {row.condition: row for row in rows}
    return {
        condition: condition_block(
            {
                name: int(getattr(found[condition], name) or 0) if condition in found else 0
                for name in CONDITION_COUNTS
            },
            (expected or {}).get(condition),
        )
        for condition in CONDITIONS
    }


def expected_of(township_id: uuid.UUID | None) -> dict[str, int | None]:
    """The expected figures of a township, or the county's sum (None unless every township has one)."""
    if township_id is not None:  # usually in the session already: no query
        township = db.session.get(Township, township_id)
        townships = [township] if township is not None else []
    else:
        townships = list(db.session.scalars(select(Township)))
    result: dict[str, int | None] = {}
    for condition in CONDITIONS:
        figures = [getattr(t, f"expected_{condition}") for t in townships]
        result[condition] = sum(figures) if figures and None not in figures else None
    return result


def _screened_months(
    township_id: uuid.UUID | None, year: Year, by_month: bool = False, followed: Any = None
) -> tuple[Any, Any]:
    """Per resident of the area, the first local month of the year they were screened, and (of
    those with a suspected result) the first month suspected and the first month confirmed.

    Screened: a screening or a face-to-face (measured) follow-up; suspected: a suspected
    screening result; confirmed: a confirmation in the year of a suspected screening, counted
    from the later of the screening's month and the confirmation's. Two subqueries, each one
    row per resident (one aggregate each), for hash joins to the residents.
    """
    in_year = and_(year.contains(Screening.performed_at), _in_township(Screening.village_id, township_id))

    def month_of(instant: Any) -> Any:  # the yearly figures need no month: one for all
        return year.month_of(instant) if by_month else literal(1, Integer)

    if followed is None:
        measured_by_followup = select(FollowUp.resident_id, month_of(FollowUp.performed_at)).where(
            year.contains(FollowUp.performed_at),
            FollowUp.mode.in_(FACE_TO_FACE_MODES),
            _followups_in_township(township_id),
        )
    else:  # the year's follow-ups already aggregated per resident (``_condition_query``'s latest)
        measured_by_followup = select(followed.c.resident_id, literal(1, Integer)).where(
            followed.c.measured_at.is_not(None)
        )
    measured = union_all(
        select(
            Screening.resident_id.label("resident_id"), month_of(Screening.performed_at).label("month")
        ).where(in_year),
        measured_by_followup,
    ).subquery("measured")
    screened = (
        select(measured.c.resident_id, func.min(measured.c.month).label("month"))
        .group_by(measured.c.resident_id)
        .subquery("screened")
    )
    screening_month = month_of(Screening.performed_at)
    outcome_month = cast(extract("month", ScreeningOutcome.on), Integer) if by_month else literal(1, Integer)
    confirmed_in_year = and_(
        ScreeningOutcome.outcome == Outcome.CONFIRMED.value,
        ScreeningOutcome.on.between(year.first_day, year.last_day),
    )
    suspected = (
        select(
            Screening.resident_id,
            func.min(screening_month).label("month"),
            func.min(
                case(
                    (
                        confirmed_in_year,
                        case((outcome_month > screening_month, outcome_month), else_=screening_month),
                    )
                )
            ).label("confirmed_month"),
        )
        .outerjoin(ScreeningOutcome, ScreeningOutcome.screening_id == Screening.id)
        .where(in_year, suspected_any())
        .group_by(Screening.resident_id)
        .subquery("suspected")
    )
    return screened, suspected


# The counts of each kind of row ``_indicator_rows`` reads, in the order its statement gives them.
_CONDITION_FIGURES = (
    "managed",
    "standardized",
    "controlled",
    "latest_records",
    "complete_records",
    "health_checked",
    "followups",
    "face_to_face",
)
_SCREENING_FIGURES = ("population_35plus", "screened", "suspected", "confirmed")


def _indicator_rows(
    township_id: uuid.UUID | None, year: Year, by_village: bool
) -> tuple[list[Any], list[Any]]:
    """The condition rows of ``_condition_rows`` and the screening rows (village_id,
    population_35plus, screened, suspected, confirmed, as DOMAIN.md counts them), from one
    statement: the year's follow-ups are read and aggregated once, for both.

    (A UNION ALL of the two groupings, each row tagged with its kind and its counts in
    numbered columns, taken apart here.)
    """
    # The county's follow-ups are read as PostgreSQL keeps them counted; a township's stay index
    # ranges of its own rows (a report of 61-81 ms at 3 million residents).
    counted = township_id is None and counts.current()
    conditions, latest = _condition_query(township_id, year, by_village, counted=counted)
    screening = _screening_query(township_id, year, by_village, followed=latest, counted=counted)
    width = len(_CONDITION_FIGURES)
    tagged_conditions = select(
        literal("condition").label("kind"),
        conditions.c.condition,
        conditions.c.village_id,
        *(conditions.c[name].label(f"n{i}") for i, name in enumerate(_CONDITION_FIGURES)),
    )
    padding = [cast(None, Integer).label(f"n{i}") for i in range(len(_SCREENING_FIGURES), width)]
    tagged_screening = select(
        literal("screening").label("kind"),
        cast(None, String).label("condition"),
        screening.c.village_id,
        *(screening.c[name].label(f"n{i}") for i, name in enumerate(_SCREENING_FIGURES)),
        *padding,
    )
    condition_rows, screening_rows = [], []
    for row in db.session.execute(union_all(tagged_conditions, tagged_screening)):
        figures = [row[3 + i] for i in range(width)]
        if row.kind == "condition":
            names = dict(zip(_CONDITION_FIGURES, figures, strict=True))
            condition_rows.append(
                SimpleNamespace(condition=row.condition, village_id=row.village_id, **names)
            )
        else:
            names = dict(zip(_SCREENING_FIGURES, figures, strict=False))
            screening_rows.append(SimpleNamespace(village_id=row.village_id, **names))
    return condition_rows, screening_rows


def _screening_query(
    township_id: uuid.UUID | None, year: Year, by_village: bool, followed: Any = None, counted: bool = False
) -> Any:
    """The screening figures per village (or of the area) as a subquery; given ``followed``, the
    measured follow-ups are read from that CTE (``_condition_query``'s latest). ``counted``: the
    screened are read from ``screening_years`` as PostgreSQL keeps them (the whole county)."""
    if counted:
        return _counted_screening_query(year, by_village)
    screened, suspected = _screened_months(township_id, year, followed=followed)
    village = Resident.village_id if by_village else literal(None)
    query = (
        select(
            village.label("village_id"),
            func.count().label("population_35plus"),
            func.count(screened.c.resident_id).label("screened"),
            func.count(suspected.c.resident_id).label("suspected"),
            func.count(suspected.c.confirmed_month).label("confirmed"),
        )
        .select_from(Resident)
        .outerjoin(screened, screened.c.resident_id == Resident.id)
        .outerjoin(suspected, suspected.c.resident_id == Resident.id)
        .where(Resident.birth_date <= age_cutoff(year.year), _in_township(Resident.village_id, township_id))
        .group_by(*([Resident.village_id] if by_village else []))
    )
    return query.subquery("screening")


def _counted_screening_query(year: Year, by_village: bool) -> Any:
    """The county's screening figures (per village) from ``screening_years``: the residents aged
    35+ counted from the residents, the screened among them from their kept rows alone."""
    cutoff = age_cutoff(year.year)
    village = [Resident.village_id] if by_village else []
    population = (
        select(*village, func.count().label("population_35plus"))
        .where(Resident.birth_date <= cutoff)
        .group_by(*village)
        .subquery("population")
    )
    kept_village = [ScreeningYear.village_id] if by_village else []
    screened = (
        select(
            *kept_village,
            func.count().label("screened"),
            func.sum(case((ScreeningYear.suspected, 1), else_=0)).label("suspected"),
            func.sum(case((ScreeningYear.confirmed, 1), else_=0)).label("confirmed"),
        )
        .where(ScreeningYear.year == year.year, ScreeningYear.birth_date <= cutoff)
        .group_by(*kept_village)
        .subquery("screened")
    )
    same_village = screened.c.village_id == population.c.village_id if by_village else true()
    return (
        select(
            (population.c.village_id if by_village else literal(None)).label("village_id"),
            population.c.population_35plus,
            func.coalesce(screened.c.screened, 0).label("screened"),
            func.coalesce(screened.c.suspected, 0).label("suspected"),
            func.coalesce(screened.c.confirmed, 0).label("confirmed"),
        )
        .select_from(population.outerjoin(screened, same_village))
        .subquery("screening")
    )


def _screening_by_month(township_id: uuid.UUID | None, year: Year) -> dict[int, dict[str, Any]]:
    """The screening block as of each month's end (screened, suspected, confirmed from January on).

    One statement counts the residents aged 35+ by the months they were first screened,
    suspected and confirmed (a few hundred rows at most); each month adds up those by then.
    """
    screened, suspected = _screened_months(township_id, year, by_month=True)
    query = (
        select(
            screened.c.month.label("screened"),
            suspected.c.month.label("suspected"),
            suspected.c.confirmed_month.label("confirmed"),
            func.count().label("residents"),
        )
        .select_from(Resident)
        .outerjoin(screened, screened.c.resident_id == Resident.id)
        .outerjoin(suspected, suspected.c.resident_id == Resident.id)
        .where(Resident.birth_date <= age_cutoff(year.year), _in_township(Resident.village_id, township_id))
        .group_by(screened.c.month, suspected.c.month, suspected.c.confirmed_month)
    )
    groups = list(db.session.execute(query))
    population = sum(int(row.residents) for row in groups)

    def by_then(month: int, name: str) -> int:
        return sum(
            int(row.residents)
            for row in groups
            if getattr(row, name) is not None and getattr(row, name) <= month
        )

    return {
        month: screening_block(
            SimpleNamespace(
                population_35plus=population,
                screened=by_then(month, "screened"),
                suspected=by_then(month, "suspected"),
                confirmed=by_then(month, "confirmed"),
            )
        )
        for month in range(1, 13)
    }


def screening_block(row: Any | None) -> dict[str, Any]:
    """The screening indicators of one group of residents."""
    counts = {
        name: int(getattr(row, name) or 0) if row is not None else 0
        for name in ("population_35plus", "screened", "suspected", "confirmed")
    }
    return {**counts, "screening_rate": rate(counts["screened"], counts["population_35plus"])}


def _followup_counts(rows: list[Any]) -> dict[str, int]:
    """Follow-ups in the year of the managed residents: all modes, and face-to-face only."""
    return {
        "total": sum(int(row.followups or 0) for row in rows),
        "face_to_face": sum(int(row.face_to_face or 0) for row in rows),
    }


def _overdue_counts(township_id: uuid.UUID | None, today: date) -> tuple[int, int]:
    """Active enrollments overdue today, and those of them lost to follow-up."""
    lost = func.sum(case((Enrollment.next_due_on < today - timedelta(days=LOST_AFTER_DAYS), 1), else_=0))
    query = (
        select(func.count(), lost)
        .select_from(Enrollment)
        .where(
            Enrollment.status == fixed("active"),
            Enrollment.next_due_on < today,
            _in_township(Enrollment.village_id, township_id),
        )
    )
    overdue, lost_count = db.session.execute(query).one()
    return int(overdue or 0), int(lost_count or 0)


def _by_status(rows: Iterable[Any], statuses: tuple[str, ...]) -> dict[str, int]:
    counts = {status: 0 for status in statuses}
    counts.update({status: int(n) for status, n in rows})
    return counts


def _referral_counts(township_id: uuid.UUID | None, year: Year) -> dict[str, int]:
    query = select(Referral.status, func.count()).where(year.contains(Referral.created_at))
    if township_id is not None:
        query = query.where(Referral.township_id == township_id)
    return _by_status(db.session.execute(query.group_by(Referral.status)), REFERRAL_STATUSES)


def _sms_counts(township_id: uuid.UUID | None, year: Year) -> dict[str, int]:
    query = select(Message.status, func.count()).where(year.contains(Message.created_at))
    if township_id is not None:
        query = query.where(Message.township_id == township_id)
    return _by_status(db.session.execute(query.group_by(Message.status)), SMS_STATUSES)


def _year_or_current(year: int | None) -> Year:
    return Year.of(year if year is not None else local_today().year)


def indicators(user: User, township_id: uuid.UUID | None, year: int | None) -> dict[str, Any]:
    """The BPHS indicators of a township (or the county) for a local calendar year."""
    area = report_township(user, township_id)
    period = _year_or_current(year)
    overdue, lost = _overdue_counts(area, local_today())
    rows, screening = _indicator_rows(area, period, by_village=False)
    return {
        "year": period.year,
        "township_id": area,
        **_blocks(rows, expected_of(area)),
        "screening": screening_block(screening[0] if screening else None),
        "followups": _followup_counts(rows),
        "overdue": overdue,
        "lost": lost,
        "referrals": _referral_counts(area, period),
        "sms": _sms_counts(area, period),
    }


def _villages_of(township_id: uuid.UUID | None) -> list[Village]:
    query = select(Village).where(_in_township(Village.id, township_id))
    return list(db.session.scalars(query.order_by(Village.code)))


def indicators_by_village(
    user: User, township_id: uuid.UUID | None, year: int | None
) -> list[dict[str, Any]]:
    """The condition indicators of each village of the area: ``[{"village", "hypertension", "diabetes"}]``."""
    area = report_township(user, township_id)
    period = _year_or_current(year)
    rows, screening_rows = _indicator_rows(area, period, by_village=True)
    by_village: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_village.setdefault(row.village_id, []).append(row)
    screening = {row.village_id: row for row in screening_rows}
    return [
        {
            "village": village,
            **_blocks(by_village.get(village.id, [])),
            "screening": screening_block(screening.get(village.id)),
        }
        for village in _villages_of(area)
    ]


def indicators_by_township(user: User, year: int | None) -> list[dict[str, Any]]:
    """Each township's condition and screening indicators (county admins): ``[{"township", ...}]``.

    Counts add up across a township's villages: a resident lives in one village.
    """
    by_village = indicators_by_village(user, None, year)
    sums: dict[uuid.UUID, dict[str, Any]] = {}
    for row in by_village:
        group = sums.setdefault(
            row["village"].township_id,
            {
                **{condition: dict.fromkeys(CONDITION_COUNTS, 0) for condition in CONDITIONS},
                "screening": dict.fromkeys(("population_35plus", "screened", "suspected", "confirmed"), 0),
            },
        )
        for condition in CONDITIONS:
            for name in CONDITION_COUNTS:
                group[condition][name] += row[condition][name]
        for name in group["screening"]:
            group["screening"][name] += row["screening"][name]
    townships = list(db.session.scalars(select(Township).order_by(Township.code)))
    result = []
    for township in townships:
        found = sums.get(township.id)
        counts = found or {condition: dict.fromkeys(CONDITION_COUNTS, 0) for condition in CONDITIONS}
        screening = found["screening"] if found else None
        result.append(
            {
                "township": township,
                **{
                    condition: condition_block(counts[condition], township.expected[condition])
                    for condition in CONDITIONS
                },
                "screening": screening_block(SimpleNamespace(**screening) if screening else None),
            }
        )
    return result


def indicators_by_month(user: User, township_id: uuid.UUID | None, year: int | None) -> list[dict[str, Any]]:
    """Each local month: its work (follow-ups, face-to-face, controlled, new enrollments) and the indicators as of its end.

    The indicators count from January to the month's end, as DOMAIN.md's yearly ones do.
    """
    area = report_township(user, township_id)
    period = _year_or_current(year)
    month = period.month_of(FollowUp.performed_at).label("month")
    followups = db.session.execute(
        select(
            month,
            func.count(),
            func.sum(case((FollowUp.mode.in_(FACE_TO_FACE_MODES), 1), else_=0)),
            func.sum(case((FollowUp.classification == CONTROLLED, 1), else_=0)),
        )
        .select_from(FollowUp)
        .where(period.contains(FollowUp.performed_at), _followups_in_township(area))
        .group_by(month)
    )
    enrolled_month = cast(extract("month", Enrollment.enrolled_on), Integer).label("month")
    enrollments = dict(
        db.session.execute(  # type: ignore[arg-type]
            select(enrolled_month, func.count())
            .where(
                Enrollment.enrolled_on.between(period.first_day, period.last_day),
                _in_township(Enrollment.village_id, area),
            )
            .group_by(enrolled_month)
        ).all()
    )
    months: dict[int, dict[str, Any]] = {
        m: {"month": m, "followups": 0, "face_to_face": 0, "controlled": 0, "enrolled": enrollments.get(m, 0)}
        for m in range(1, 13)
    }
    as_of_month: dict[int, list[Any]] = {}
    for row in _condition_rows(area, period, by_village=False, by_month=True):
        as_of_month.setdefault(int(row.month), []).append(row)
    expected = expected_of(area)
    screening = _screening_by_month(area, period)
    for m, entry in months.items():
        entry.update(_blocks(as_of_month.get(m, []), expected), screening=screening[m])
    for m, total, f2f, controlled in followups:
        months[m].update(followups=int(total), face_to_face=int(f2f or 0), controlled=int(controlled or 0))
    return list(months.values())


def doctor_work(user: User, township_id: uuid.UUID | None, year: int | None) -> list[dict[str, Any]]:
    """Per field doctor: follow-ups and visits done each month, and how many of their residents are overdue.

    "Their residents" are those of the villages the doctor is assigned to.
    """
    area = report_township(user, township_id)
    period = _year_or_current(year)
    doctors = list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(FIELD_ROLES), User.active.is_(True))
            .where(User.township_id == area if area is not None else true())
            .order_by(User.name, User.username)
        )
    )
    ids = [doctor.id for doctor in doctors]
    work: dict[tuple[uuid.UUID, int], dict[str, int]] = {}
    for model, column, key in (
        (FollowUp, FollowUp.performed_at, "followups"),
        (Visit, Visit.visited_at, "visits"),
    ):
        month = period.month_of(column).label("month")
        rows = db.session.execute(
            select(model.performed_by, month, func.count())
            .where(model.performed_by.in_(ids), period.contains(column))
            .group_by(model.performed_by, month)
        )
        for doctor_id, m, n in rows:
            work.setdefault((doctor_id, m), {"followups": 0, "visits": 0})[key] = int(n)
    today = local_today()
    caseload = {
        doctor_id: (int(active), int(overdue or 0))
        for doctor_id, active, overdue in db.session.execute(
            select(
                user_villages.c.user_id,
                func.count(),
                func.sum(case((Enrollment.next_due_on < today, 1), else_=0)),
            )
            .join(Enrollment, Enrollment.village_id == user_villages.c.village_id)
            .where(user_villages.c.user_id.in_(ids), Enrollment.status == fixed("active"))
            .group_by(user_villages.c.user_id)
        )
    }
    result = []
    for doctor in doctors:
        active, overdue = caseload.get(doctor.id, (0, 0))
        months = [
            {"month": m, **work.get((doctor.id, m), {"followups": 0, "visits": 0})} for m in range(1, 13)
        ]
        result.append(
            {
                "doctor": doctor,
                "months": months,
                "active_enrollments": active,
                "overdue": overdue,
                "overdue_share": rate(overdue, active),
            }
        )
    return result


def _patrol_visit(area: uuid.UUID | None, since: datetime) -> ColumnElement[bool]:
    """A visit that counts as a patrol: logged as one, or made during a stationing of its village."""
    stationings = db.session.execute(
        select(Patrol.village_id, Patrol.date, Patrol.until).where(
            Patrol.kind == PatrolKind.STATIONING,
            Patrol.status == PatrolStatus.PLANNED,
            Patrol.until >= since.astimezone(local_zone()).date(),
            _in_township(Patrol.village_id, area),
        )
    ).all()
    zone = local_zone()
    during = [
        (Visit.village_id == village_id)
        & (Visit.visited_at >= datetime.combine(first, time.min, zone))
        & (Visit.visited_at < datetime.combine((last or first) + timedelta(days=1), time.min, zone))
        for village_id, first, last in stationings
    ]
    return or_(Visit.purpose == "patrol", *during)


def coverage(user: User, township_id: uuid.UUID | None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each village of the area: last visit, visits (and patrol visits) in the last 30 days, blank-spot flag."""
    area = report_township(user, township_id)
    since = (now or utcnow()) - timedelta(days=COVERAGE_WINDOW_DAYS)
    recent = Visit.visited_at >= since
    visits = (
        select(
            Visit.village_id,
            func.max(Visit.visited_at).label("last_visit_at"),
            func.sum(case((recent, 1), else_=0)).label("recent"),
            func.sum(case((recent & _patrol_visit(area, since), 1), else_=0)).label("patrols"),
        )
        .where(_in_township(Visit.village_id, area))
        .group_by(Visit.village_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Village, visits.c.last_visit_at, visits.c.recent, visits.c.patrols)
        .outerjoin(visits, visits.c.village_id == Village.id)
        .where(_in_township(Village.id, area))
        .order_by(Village.code)
    )
    return [
        {
            "village": village,
            "last_visit_at": last_visit_at,
            "visits_30d": int(recent or 0),
            "patrol_visits_30d": int(patrols or 0),
            "blank_spot": not recent,
        }
        for village, last_visit_at, recent, patrols in rows
    ]
