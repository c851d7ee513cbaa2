"""Demo data of the v2 programmes: a year of screenings (some suspected, some confirmed and
enrolled), health checks for most managed residents, and each township's expected figures.

Run by ``fieldapp.demo.build_county`` after the residents are in: read a chunk of residents
at a time (keyset by id), write bulk Core inserts, so memory stays flat at any county size.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from fieldapp.bulk import insert_rows
from fieldapp.dbtypes import fixed
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.healthchecks.items import bmi
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.org.models import Township, Village
from fieldapp.residents.models import Resident
from fieldapp.screenings.models import Screening, ScreeningOutcome
from fieldapp.screenings.rules import age_cutoff, confirm_by, screening_results, suspected_conditions
from fieldapp.timeutil import local_zone

CHUNK = 5000
SCREENED_SHARE = 0.55  # of residents aged 35+ not managed for hypertension, screened this year
GLUCOSE_SHARE = 0.35  # of screenings, with a fasting glucose
CHECKED_SHARE = 0.85  # of managed residents, with this year's health check
# What became of suspected results past their confirmation date: confirmed, excluded, not reached.
OUTCOME_SHARES = (("confirmed", 0.45), ("excluded", 0.35), ("not_reached", 0.1))
# Expected to manage: residents aged 35+ times the local prevalence the county assumes.
PREVALENCE = {"hypertension": 0.22, "diabetes": 0.07}


def _instant(day: date, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=local_zone())
    return local.astimezone(UTC)


def _reading(rng: random.Random) -> tuple[int, int]:
    roll = rng.random()
    if roll < 0.08:
        return rng.randint(140, 175), rng.randint(80, 102)
    if roll < 0.3:
        return rng.randint(130, 139), rng.randint(78, 89)
    return rng.randint(102, 129), rng.randint(62, 84)


def _outcome(rng: random.Random) -> str | None:
    roll = rng.random()
    for outcome, share in OUTCOME_SHARES:
        if roll < share:
            return outcome
        roll -= share
    return None


def _screen(
    rng: random.Random,
    resident: Any,
    enrolled: set[str],
    today: date,
    columns: dict[str, Any],
    out: dict[str, list],
) -> None:
    """One screening of ``resident`` this year and, for a suspected result past its date, its outcome."""
    day = date(today.year, 1, 1) + timedelta(days=rng.randint(0, (today - date(today.year, 1, 1)).days))
    sbp, dbp = _reading(rng)
    glucose = round(rng.uniform(4.2, 7.6), 1) if rng.random() < GLUCOSE_SHARE else None
    results = [str(r) for r in screening_results(sbp, dbp, glucose, enrolled)]
    due = confirm_by(day, results)
    screening_id = uuid.uuid4()
    outcomes: dict[str, Any] = {}
    for condition in suspected_conditions(results):
        outcome = _outcome(rng) if due is not None and due < today else None
        if outcome is None:
            continue
        on = day + timedelta(days=rng.randint(3, 14))
        enrollment_id = None
        if outcome == "confirmed":
            enrollment_id = uuid.uuid5(screening_id, f"confirmed:{condition}")
            out["enrollments"].append(
                {
                    "id": enrollment_id,
                    "resident_id": resident.id,
                    "village_id": resident.village_id,
                    "condition": condition,
                    "status": "active",
                    "diagnosed_on": on,
                    "enrolled_on": on,
                    "next_due_on": on,
                    **columns,
                }
            )
        out["outcomes"].append(
            {
                "id": uuid.uuid4(),
                "screening_id": screening_id,
                "resident_id": resident.id,
                "condition": condition,
                "outcome": outcome,
                "outcome_on": on,
                "facility": "县人民医院" if outcome != "not_reached" else None,
                "enrollment_id": enrollment_id,
                "created_at": columns["created_at"],
                "updated_at": columns["updated_at"],
            }
        )
        entry: dict[str, Any] = {
            "outcome": outcome,
            "on": on.isoformat(),
            "attempts": int(outcome == "not_reached"),
        }
        if enrollment_id is not None:
            entry["enrollment_id"] = str(enrollment_id)
        outcomes[condition] = entry
    settled = all(
        outcomes.get(c, {}).get("outcome") in ("confirmed", "excluded") for c in suspected_conditions(results)
    )
    out["screenings"].append(
        {
            "id": screening_id,
            "resident_id": resident.id,
            "village_id": resident.village_id,
            "performed_at": _instant(day, rng),
            "sbp": sbp,
            "dbp": dbp,
            "fasting_glucose": glucose,
            "risk_factors": sorted(
                rng.sample(("overweight", "smoking", "high_salt", "inactive"), rng.randint(0, 2))
            ),
            "results": results,
            "confirm_by": due,
            "status": "closed" if settled else "open",
            "outcomes": outcomes,
            **columns,
        }
    )


def _check(rng: random.Random, resident: Any, today: date, columns: dict[str, Any]) -> dict[str, Any]:
    """A plausible health check this year."""
    height, weight = rng.randint(150, 178), round(rng.uniform(48, 86), 1)
    sbp, dbp = rng.randint(112, 165), rng.randint(66, 98)
    abnormal = sbp >= 140 or rng.random() < 0.2
    items = {
        "temperature_c": round(rng.uniform(36.1, 37.1), 1),
        "pulse": rng.randint(60, 92),
        "respiration": rng.randint(14, 20),
        "sbp_left": sbp,
        "dbp_left": dbp,
        "sbp_right": sbp - rng.randint(0, 6),
        "dbp_right": dbp - rng.randint(0, 4),
        "height_cm": height,
        "weight_kg": weight,
        "waist_cm": rng.randint(68, 104),
        "bmi": bmi(weight, height),
        "mouth": "normal",
        "vision_left": rng.choice(("normal", "normal", "abnormal")),
        "vision_right": rng.choice(("normal", "normal", "abnormal")),
        "hearing": "normal",
        "motor": "normal",
        "fasting_glucose": round(rng.uniform(4.5, 9.0), 1),
        "total_cholesterol": round(rng.uniform(3.5, 6.8), 2),
        "triglycerides": round(rng.uniform(0.8, 3.2), 2),
        "urine_protein": rng.choice(("negative", "negative", "negative", "trace", "+")),
        "ecg": rng.choice(("normal", "normal", "normal", "abnormal")),
        "conclusion": "abnormal" if abnormal else "normal",
        "advice": "低盐低脂饮食，规律服药，适量运动" if abnormal else "保持健康生活方式",
    }
    day = date(today.year, 1, 1) + timedelta(days=rng.randint(0, (today - date(today.year, 1, 1)).days))
    return {
        "id": uuid.uuid4(),
        "resident_id": resident.id,
        "village_id": resident.village_id,
        "performed_on": day,
        "items": items,
        **columns,
    }


def write_screenings_and_health_checks(seed: int, today: date, columns: dict[str, Any]) -> None:
    """Screenings of residents aged 35+, health checks of managed residents, expected figures."""
    write_screenings_in_range(random.Random(seed), today, columns)
    set_expected(today)


def write_screenings_in_range(
    rng: random.Random,
    today: date,
    columns: dict[str, Any],
    after: uuid.UUID | None = None,
    up_to: uuid.UUID | None = None,
) -> None:
    """Screenings and health checks of the residents whose id is past ``after`` and at most ``up_to``.

    A range at a time lets a big county's builder write ranges side by side (each with a
    random stream of its own); the whole county is one range.
    """
    cutoff = age_cutoff(today.year)
    last_id = after
    while True:
        query = (
            select(Resident.id, Resident.village_id, Resident.birth_date).order_by(Resident.id).limit(CHUNK)
        )
        if last_id is not None:
            query = query.where(Resident.id > last_id)
        if up_to is not None:
            query = query.where(Resident.id <= up_to)
        residents = db.session.execute(query).all()
        if not residents:
            break
        last_id = residents[-1].id
        active: dict[uuid.UUID, set[str]] = {}
        for resident_id, condition in db.session.execute(
            select(Enrollment.resident_id, Enrollment.condition).where(
                Enrollment.resident_id.in_([r.id for r in residents]), Enrollment.status == fixed("active")
            )
        ):
            active.setdefault(resident_id, set()).add(condition)
        out: dict[str, list] = {"screenings": [], "outcomes": [], "enrollments": [], "checks": []}
        for resident in residents:
            enrolled = active.get(resident.id, set())
            if enrolled and rng.random() < CHECKED_SHARE:
                out["checks"].append(_check(rng, resident, today, columns))
            if (
                resident.birth_date <= cutoff
                and "hypertension" not in enrolled
                and rng.random() < SCREENED_SHARE
            ):
                _screen(rng, resident, enrolled, today, columns, out)
        for model, rows in (
            (Screening, out["screenings"]),
            (Enrollment, out["enrollments"]),
            (ScreeningOutcome, out["outcomes"]),
            (HealthCheck, out["checks"]),
        ):
            if rows:
                insert_rows(model.__table__, rows, trusted=True)


def set_expected(today: date) -> None:
    """Each township's expected figures from its residents aged 35+ and the assumed prevalence."""
    cutoff = age_cutoff(today.year)
    population = dict(
        db.session.execute(  # type: ignore[arg-type]
            select(Village.township_id, func.count())
            .join(Resident, Resident.village_id == Village.id)
            .where(Resident.birth_date <= cutoff)
            .group_by(Village.township_id)
        ).all()
    )
    for township in db.session.scalars(select(Township)):
        people = int(population.get(township.id, 0))
        township.expected_hypertension = round(people * PREVALENCE["hypertension"])
        township.expected_diabetes = round(people * PREVALENCE["diabetes"])
