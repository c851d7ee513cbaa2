"""DOMAIN.md's screening rules: data plus pure functions, importable without Flask.

Readings taken where DOMAIN.md leaves room:

- Blood pressure gives one of ``normal``, ``high_normal``, ``suspected_hypertension``; a
  fasting glucose of 7.0 or more adds ``suspected_diabetes``. A screening with glucose
  only (no blood pressure) and nothing suspected is ``normal``.
- A condition the resident is already enrolled for is never suspected: a high reading of
  an enrolled hypertensive gives no blood-pressure result (the follow-up deals with it).
- ``confirm_by`` is the local screening date + 14 days when anything is suspected.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from enum import StrEnum

from fieldapp.followups.rules import Rule

DOMAIN = "DOMAIN.md (v2) Screening and diagnosis"


class ScreeningResult(StrEnum):
    """What one screening found."""

    NORMAL = "normal"
    HIGH_NORMAL = "high_normal"
    SUSPECTED_HYPERTENSION = "suspected_hypertension"
    SUSPECTED_DIABETES = "suspected_diabetes"


class Outcome(StrEnum):
    """How a suspected result was followed up."""

    CONFIRMED = "confirmed"
    EXCLUDED = "excluded"
    NOT_REACHED = "not_reached"


# Outcomes that settle a suspected condition; ``not_reached`` keeps it waiting.
FINAL_OUTCOMES = (Outcome.CONFIRMED, Outcome.EXCLUDED)

RISK_FACTORS = (
    "overweight",
    "smoking",
    "family_history",
    "high_salt",
    "drinking",
    "inactive",
    "age_55_plus",
    "waist_high",
)

SCREENING_RULES: dict[str, Rule] = {
    "suspected_sbp": Rule(140, "mmHg", "sbp at or above: suspected hypertension", DOMAIN),
    "suspected_dbp": Rule(90, "mmHg", "dbp at or above: suspected hypertension", DOMAIN),
    "high_normal_sbp": Rule(130, "mmHg", "sbp at or above (below suspected): high normal", DOMAIN),
    "high_normal_dbp": Rule(85, "mmHg", "dbp at or above (below suspected): high normal", DOMAIN),
    "suspected_glucose": Rule(7.0, "mmol/L", "fasting glucose at or above: suspected diabetes", DOMAIN),
    "confirm_within_days": Rule(14, "days", "a suspected result is followed up within", DOMAIN),
    "screening_age": Rule(
        35, "years", "residents screened (and counted) from this age on 31 December", DOMAIN
    ),
}

# The condition each suspected result is about.
SUSPECTS: dict[ScreeningResult, str] = {
    ScreeningResult.SUSPECTED_HYPERTENSION: "hypertension",
    ScreeningResult.SUSPECTED_DIABETES: "diabetes",
}


def _v(name: str) -> float:
    return SCREENING_RULES[name].value


def screening_results(
    sbp: int | None, dbp: int | None, fasting_glucose: float | None, enrolled: Collection[str]
) -> list[ScreeningResult]:
    """The results of one screening of a resident enrolled for ``enrolled`` conditions."""
    results: list[ScreeningResult] = []
    if sbp is not None and dbp is not None:
        if sbp >= _v("suspected_sbp") or dbp >= _v("suspected_dbp"):
            if "hypertension" not in enrolled:
                results.append(ScreeningResult.SUSPECTED_HYPERTENSION)
        elif sbp >= _v("high_normal_sbp") or dbp >= _v("high_normal_dbp"):
            results.append(ScreeningResult.HIGH_NORMAL)
        else:
            results.append(ScreeningResult.NORMAL)
    suspected_dm = fasting_glucose is not None and fasting_glucose >= _v("suspected_glucose")
    if suspected_dm and "diabetes" not in enrolled:
        results.append(ScreeningResult.SUSPECTED_DIABETES)
    if not results and sbp is None and not suspected_dm:
        results.append(ScreeningResult.NORMAL)
    return results


def suspected_conditions(results: Collection[str]) -> list[str]:
    """The conditions a screening's results suspect, in a fixed order."""
    return [condition for result, condition in SUSPECTS.items() if result in results]


def confirm_by(performed_on: date, results: Collection[str]) -> date | None:
    """The date a suspected result must be followed up by; None when nothing is suspected."""
    if not suspected_conditions(results):
        return None
    return performed_on + timedelta(days=int(_v("confirm_within_days")))


def age_cutoff(year: int) -> date:
    """The latest birth date of a resident aged 35 or over on 31 December of ``year``."""
    return date(year - int(_v("screening_age")), 12, 31)
