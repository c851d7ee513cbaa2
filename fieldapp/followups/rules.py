"""The BPHS chronic-disease follow-up rules of DOMAIN.md: data plus pure functions.

Importable without Flask or a database, so the server, the reports, the demo data
and (through ``GET /api/v1/rules``) the field app classify a follow-up the same way.
Every threshold and interval lives in :data:`RULES`, with its source.

Where DOMAIN.md leaves room, these are the readings taken:

- "sbp ≥ 180 or dbp ≥ 110 (both conditions)": urgent for hypertension and diabetes
  follow-ups alike; glucose and heart rate are danger criteria for diabetes only.
- A danger-sign code listed for either condition is accepted on both (a danger sign is
  a danger sign); a code on neither list is a 422.
- A danger follow-up is urgent whatever its classification, and is rechecked in 14 days
  even when its numbers are controlled.
- Age is in completed years on the local date of the follow-up; a 29 February birthday
  falls on 1 March in other years.
- "Previous follow-up" is the one just before by ``performed_at`` (ties by id) in the same
  enrollment; a complication counts as "not controlled" for two in a row.
- Queues: ``overdue`` includes ``lost`` (both are before today); ``lost`` is more than 90
  days overdue; ``all`` is due and overdue together (due on or before today + 7 days).
- ``dbp < sbp`` is only checked when both are within their ranges (one message, not two).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

BPHS = "国家基本公共卫生服务规范（第三版）2017, hypertension / type 2 diabetes management"
DOMAIN = "DOMAIN.md (fieldapp product rules)"


class Condition(StrEnum):
    """Conditions managed under the BPHS chronic-disease chapters."""

    HYPERTENSION = "hypertension"
    DIABETES = "diabetes"


class Classification(StrEnum):
    """The outcome of one follow-up, in the order the rules test them."""

    COMPLICATION = "complication"
    ADVERSE_REACTION = "adverse_reaction"
    UNCONTROLLED = "uncontrolled"
    CONTROLLED = "controlled"


class QueueState(StrEnum):
    """Where an active enrollment stands against its due date."""

    DUE = "due"
    OVERDUE = "overdue"
    LOST = "lost"


@dataclass(frozen=True)
class Rule:
    """One threshold or interval, with its unit, what it means and where it comes from."""

    value: float
    unit: str
    meaning: str
    source: str


@dataclass(frozen=True)
class Range:
    """The plausible range of one measurement, both ends allowed."""

    low: float
    high: float
    unit: str
    source: str


RULES: dict[str, Rule] = {
    "urgent_sbp": Rule(180, "mmHg", "sbp at or above: urgent referral (both conditions)", BPHS),
    "urgent_dbp": Rule(110, "mmHg", "dbp at or above: urgent referral (both conditions)", BPHS),
    "urgent_glucose_high": Rule(16.7, "mmol/L", "diabetes: fasting glucose at or above: urgent", BPHS),
    "urgent_glucose_low": Rule(3.9, "mmol/L", "diabetes: fasting glucose at or below: urgent", BPHS),
    "urgent_heart_rate": Rule(100, "/min", "diabetes: heart rate above: urgent", BPHS),
    "target_sbp": Rule(140, "mmHg", "hypertension: sbp at or above misses the target", BPHS),
    "target_dbp": Rule(90, "mmHg", "hypertension: dbp at or above misses the target", BPHS),
    "elderly_age": Rule(
        65, "years", "age on the day of the follow-up from which the elderly target applies", BPHS
    ),
    "target_sbp_elderly": Rule(
        150, "mmHg", "hypertension, aged 65+: sbp at or above misses the target", BPHS
    ),
    "target_dbp_elderly": Rule(90, "mmHg", "hypertension, aged 65+: dbp at or above misses the target", BPHS),
    "target_glucose_high": Rule(
        7.0, "mmol/L", "diabetes: fasting glucose at or above misses the target", BPHS
    ),
    "target_glucose_low": Rule(3.9, "mmol/L", "diabetes: fasting glucose at or below is not control", BPHS),
    "followup_interval_days": Rule(
        90, "days", "controlled: next follow-up after (FOLLOWUP_INTERVAL_DAYS)", BPHS
    ),
    "recheck_days": Rule(14, "days", "anything else: next follow-up within (RECHECK_DAYS)", BPHS),
    "due_window_days": Rule(7, "days", "queue 'due': due from today to this many days ahead", DOMAIN),
    "lost_after_days": Rule(90, "days", "queue 'lost': overdue by more than this", DOMAIN),
    "future_tolerance_minutes": Rule(10, "minutes", "performed_at may lie this far in the future", DOMAIN),
}

RANGES: dict[str, Range] = {
    "sbp": Range(60, 300, "mmHg", DOMAIN),
    "dbp": Range(30, 200, "mmHg", DOMAIN),
    "heart_rate": Range(20, 250, "/min", DOMAIN),
    "fasting_glucose": Range(1.0, 35.0, "mmol/L", DOMAIN),
    "weight_kg": Range(2, 300, "kg", DOMAIN),
    "height_cm": Range(40, 250, "cm", DOMAIN),
}

DANGER_SIGNS: dict[Condition, tuple[str, ...]] = {
    Condition.HYPERTENSION: (
        "altered_consciousness",
        "severe_headache",
        "vomiting",
        "blurred_vision",
        "chest_pain",
        "palpitations",
        "dyspnea_orthopnea",
        "pregnancy_high_bp",
    ),
    Condition.DIABETES: (
        "ketotic_breath",
        "deep_breathing",
        "fever_over_39",
        "sudden_vision_loss",
        "dehydration_polyuria",
    ),
}
# Any listed code is accepted on either condition: a danger sign is a danger sign.
KNOWN_DANGER_SIGNS = frozenset(code for codes in DANGER_SIGNS.values() for code in codes)

CLASSIFICATION_ORDER = tuple(Classification)


def _v(name: str) -> float:
    return RULES[name].value


def _days(name: str) -> timedelta:
    return timedelta(days=int(_v(name)))


@dataclass(frozen=True)
class Measurements:
    """What one follow-up recorded, as the rules need it."""

    condition: Condition
    sbp: int
    dbp: int
    heart_rate: int | None = None
    fasting_glucose: float | None = None
    danger_signs: tuple[str, ...] = ()
    adverse_reaction: bool = False
    new_complication: bool = False


@dataclass(frozen=True)
class Outcome:
    """The server's verdict on one follow-up."""

    classification: Classification
    urgent_referral: bool
    referral_recommended: bool
    next_due_on: date


def validation_errors(condition: str, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field errors of a follow-up's measurements (ranges, dbp < sbp, glucose, danger codes)."""
    errors: dict[str, list[str]] = {}
    for name, allowed in RANGES.items():
        value = values.get(name)
        if value is not None and not allowed.low <= value <= allowed.high:
            errors[name] = [f"must be between {allowed.low:g} and {allowed.high:g}"]
    sbp, dbp = values.get("sbp"), values.get("dbp")
    if sbp is not None and dbp is not None and dbp >= sbp and not {"sbp", "dbp"} & errors.keys():
        errors["dbp"] = ["must be lower than sbp"]
    if condition == Condition.DIABETES and values.get("fasting_glucose") is None:
        errors["fasting_glucose"] = ["required for diabetes"]
    unknown = sorted(set(values.get("danger_signs") or ()) - KNOWN_DANGER_SIGNS)
    if unknown:
        errors["danger_signs"] = [f"unknown code: {code}" for code in unknown]
    return errors


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day`` (a 29 February birthday falls on 1 March in other years)."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def is_urgent(m: Measurements) -> bool:
    """Danger: urgent referral (DOMAIN.md step 1)."""
    if m.sbp >= _v("urgent_sbp") or m.dbp >= _v("urgent_dbp") or m.danger_signs:
        return True
    if m.condition != Condition.DIABETES:
        return False
    glucose = m.fasting_glucose
    if glucose is not None and (glucose >= _v("urgent_glucose_high") or glucose <= _v("urgent_glucose_low")):
        return True
    return m.heart_rate is not None and m.heart_rate > _v("urgent_heart_rate")


def misses_target(m: Measurements, age: int) -> bool:
    """Whether the follow-up misses the control target of its condition."""
    if m.condition == Condition.DIABETES:
        glucose = m.fasting_glucose
        return glucose is None or glucose >= _v("target_glucose_high") or glucose <= _v("target_glucose_low")
    elderly = age >= _v("elderly_age")
    sbp_limit = _v("target_sbp_elderly") if elderly else _v("target_sbp")
    dbp_limit = _v("target_dbp_elderly") if elderly else _v("target_dbp")
    return m.sbp >= sbp_limit or m.dbp >= dbp_limit


def classify(m: Measurements, age: int) -> Classification:
    """complication > adverse_reaction > uncontrolled > controlled (DOMAIN.md step 2)."""
    if m.new_complication:
        return Classification.COMPLICATION
    if m.adverse_reaction:
        return Classification.ADVERSE_REACTION
    if misses_target(m, age):
        return Classification.UNCONTROLLED
    return Classification.CONTROLLED


def referral_recommended(
    urgent: bool, classification: Classification, previous: Classification | None
) -> bool:
    """Urgent, a complication, or this and the previous follow-up both not controlled."""
    if urgent or classification == Classification.COMPLICATION:
        return True
    return (
        classification != Classification.CONTROLLED
        and previous is not None
        and previous != Classification.CONTROLLED
    )


def next_due_on(performed_on: date, classification: Classification, urgent: bool) -> date:
    """Controlled: +90 days; anything else (urgent included): +14 days, from the local performed date."""
    if classification == Classification.CONTROLLED and not urgent:
        return performed_on + _days("followup_interval_days")
    return performed_on + _days("recheck_days")


def assess(
    m: Measurements, *, birth_date: date, performed_on: date, previous: Classification | None
) -> Outcome:
    """Classify one follow-up performed on local date ``performed_on``."""
    urgent = is_urgent(m)
    classification = classify(m, age_on(birth_date, performed_on))
    return Outcome(
        classification=classification,
        urgent_referral=urgent,
        referral_recommended=referral_recommended(urgent, classification, previous),
        next_due_on=next_due_on(performed_on, classification, urgent),
    )


def queue_state(due_on: date | None, today: date) -> QueueState | None:
    """Lost, overdue, due, or None (not due within the window) for an active enrollment."""
    if due_on is None or due_on > today + _days("due_window_days"):
        return None
    if due_on >= today:
        return QueueState.DUE
    if today - due_on > _days("lost_after_days"):
        return QueueState.LOST
    return QueueState.OVERDUE


def rules_document() -> dict[str, Any]:
    """Every rule as JSON, for clients that classify offline."""
    return {
        "rules": {name: asdict(rule) for name, rule in RULES.items()},
        "ranges": {name: asdict(allowed) for name, allowed in RANGES.items()},
        "danger_signs": {str(condition): list(codes) for condition, codes in DANGER_SIGNS.items()},
        "classification_order": [str(c) for c in CLASSIFICATION_ORDER],
        "notes": [
            "urgent_referral: sbp >= urgent_sbp or dbp >= urgent_dbp (both conditions), any danger sign; "
            "diabetes also: fasting glucose >= urgent_glucose_high or <= urgent_glucose_low, "
            "heart rate > urgent_heart_rate",
            "classification: the first of classification_order that holds; uncontrolled when the "
            "target is missed (hypertension: blood pressure by age on the local date of the follow-up; "
            "diabetes: fasting glucose only)",
            "referral_recommended: urgent, complication, or this and the previous follow-up of the "
            "enrollment (by performed_at) both not controlled",
            "next_due_on: local performed date + followup_interval_days when controlled and not urgent, "
            "else + recheck_days",
            "queues: due when today <= due <= today + due_window_days; overdue when due < today; "
            "lost when overdue by more than lost_after_days",
        ],
    }
