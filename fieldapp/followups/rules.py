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
- Plausible ranges and choices are the follow-up record's items (``items.py``); the rules
  here read only what classifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
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
    "late_after_days": Rule(
        7, "days", "a follow-up received more than this after performed_at is late", DOMAIN
    ),
}

DANGER_SIGNS: dict[Condition, tuple[str, ...]] = {
    Condition.HYPERTENSION: (
        "altered_consciousness",
        "severe_headache_dizziness",
        "nausea_vomiting",
        "blurred_vision",
        "eye_pain",
        "palpitations",
        "chest_tightness",
        "dyspnea_orthopnea",
        "pregnancy_lactation_high_bp",
        "other_unmanageable",
    ),
    Condition.DIABETES: (
        "altered_consciousness_behaviour",
        "ketotic_breath",
        "palpitations",
        "sweating",
        "anorexia",
        "nausea_vomiting",
        "polydipsia_polyuria",
        "abdominal_pain",
        "deep_breathing",
        "flushed_skin",
        "fever_over_39",
        "sudden_vision_loss",
        "pregnancy_lactation_high_glucose",
        "other_unmanageable",
    ),
}
# The first edition's codes, still accepted (stored as sent: a replay keeps its body).
DANGER_SIGN_ALIASES: dict[str, str] = {
    "severe_headache": "severe_headache_dizziness",
    "vomiting": "nausea_vomiting",
    "chest_pain": "chest_tightness",
    "pregnancy_high_bp": "pregnancy_lactation_high_bp",
    "dehydration_polyuria": "polydipsia_polyuria",
}
# Any listed code (or alias) is accepted on either condition: a danger sign is a danger sign.
KNOWN_DANGER_SIGNS = frozenset(code for codes in DANGER_SIGNS.values() for code in codes) | frozenset(
    DANGER_SIGN_ALIASES
)

CLASSIFICATION_ORDER = tuple(Classification)
PHONE = "phone"
# DOMAIN.md: face-to-face follow-ups (clinic or home) count toward the four a year; phone calls do not.
FACE_TO_FACE_MODES = ("clinic", "home")
REQUIRED_FACE_TO_FACE = "required face to face"
REQUIRED_FOR_DIABETES = "required for diabetes"
REQUIRED_MESSAGES = frozenset({REQUIRED_FACE_TO_FACE, REQUIRED_FOR_DIABETES})


def _v(name: str) -> float:
    return RULES[name].value


def _days(name: str) -> timedelta:
    return timedelta(days=int(_v(name)))


@dataclass(frozen=True)
class Measurements:
    """What one follow-up recorded, as the rules need it.

    ``measured`` is False for a phone follow-up: its values are what the resident said,
    and no rule reads them (DOMAIN.md "Measured or reported").
    """

    condition: Condition
    sbp: int | None
    dbp: int | None
    heart_rate: int | None = None
    fasting_glucose: float | None = None
    danger_signs: tuple[str, ...] = ()
    adverse_reaction: bool = False
    new_complication: bool = False
    worsened_complication: bool = False
    measured: bool = True


@dataclass(frozen=True)
class Outcome:
    """The server's verdict on one follow-up."""

    classification: Classification
    urgent_referral: bool
    referral_recommended: bool
    next_due_on: date


def validation_errors(condition: str, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Errors across a follow-up's fields (dbp < sbp, measurements face to face, danger codes).

    ``values`` holds the fields that passed their own checks (range, type): the caller
    reports those with these, all at once.
    """
    errors: dict[str, list[str]] = {}
    sbp, dbp = values.get("sbp"), values.get("dbp")
    if sbp is not None and dbp is not None and dbp >= sbp:
        errors["dbp"] = ["must be lower than sbp"]
    if values.get("mode") != PHONE:
        for name in ("sbp", "dbp"):
            if values.get(name) is None:
                errors.setdefault(name, [REQUIRED_FACE_TO_FACE])
        if condition == Condition.DIABETES and values.get("fasting_glucose") is None:
            errors["fasting_glucose"] = [REQUIRED_FOR_DIABETES]
    unknown = sorted(set(values.get("danger_signs") or ()) - KNOWN_DANGER_SIGNS)
    if unknown:
        errors["danger_signs"] = [f"unknown code: {code}" for code in unknown]
    return errors


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day`` (a 29 February birthday falls on 1 March in other years)."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def is_urgent(m: Measurements) -> bool:
    """Danger: urgent referral (DOMAIN.md step 1); a phone follow-up only by what was said."""
    if m.danger_signs:
        return True
    if not m.measured:
        return False
    if (m.sbp is not None and m.sbp >= _v("urgent_sbp")) or (m.dbp is not None and m.dbp >= _v("urgent_dbp")):
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
    return m.sbp is None or m.dbp is None or m.sbp >= sbp_limit or m.dbp >= dbp_limit


def classify(m: Measurements, age: int, last_measured: Classification | None = None) -> Classification:
    """complication > adverse_reaction > uncontrolled > controlled (DOMAIN.md step 2).

    A phone follow-up, beyond what was said, takes the classification of the previous
    measured follow-up (``last_measured``), ``uncontrolled`` when there is none.
    """
    if m.new_complication or m.worsened_complication:
        return Classification.COMPLICATION
    if m.adverse_reaction:
        return Classification.ADVERSE_REACTION
    if not m.measured:
        return last_measured or Classification.UNCONTROLLED
    if misses_target(m, age):
        return Classification.UNCONTROLLED
    return Classification.CONTROLLED


def referral_recommended(
    urgent: bool, classification: Classification, previous: Classification | None, measured: bool = True
) -> bool:
    """Urgent, a complication, or this and the previous face-to-face follow-up both not controlled.

    ``previous`` is the previous face-to-face follow-up's classification: phone follow-ups
    neither start nor break the chain.
    """
    if urgent or classification == Classification.COMPLICATION:
        return True
    return (
        measured
        and classification != Classification.CONTROLLED
        and previous is not None
        and previous != Classification.CONTROLLED
    )


def next_due_on(performed_on: date, classification: Classification, urgent: bool) -> date:
    """Controlled: +90 days; anything else (urgent included): +14 days, from the local performed date."""
    if classification == Classification.CONTROLLED and not urgent:
        return performed_on + _days("followup_interval_days")
    return performed_on + _days("recheck_days")


def assess(
    m: Measurements,
    *,
    birth_date: date,
    performed_on: date,
    previous: Classification | None,
    current_due_on: date | None = None,
) -> Outcome:
    """Classify one follow-up performed on local date ``performed_on``.

    ``previous``: the classification of the previous face-to-face follow-up of the
    enrollment. ``current_due_on``: the enrollment's due date before this follow-up, which
    a phone follow-up may bring forward but never push back.
    """
    urgent = is_urgent(m)
    classification = classify(m, age_on(birth_date, performed_on), previous)
    due = next_due_on(performed_on, classification, urgent)
    if not m.measured and current_due_on is not None:
        due = min(due, current_due_on)
    return Outcome(
        classification=classification,
        urgent_referral=urgent,
        referral_recommended=referral_recommended(urgent, classification, previous, m.measured),
        next_due_on=due,
    )


def appointment_errors(requested: date | None, performed_on: date, rule_due_on: date) -> list[str]:
    """What is wrong with a doctor's own next due date: never after the rule's, never before the visit."""
    if requested is None:
        return []
    if requested > rule_due_on:
        return [f"must not be later than {rule_due_on.isoformat()} (the rules' date)"]
    if requested < performed_on:
        return ["must not be before the follow-up's date"]
    return []


def is_late(received_at: datetime, performed_at: datetime) -> bool:
    """Received more than ``late_after_days`` after it was performed (DOMAIN.md "Late entry")."""
    return received_at - performed_at > _days("late_after_days")


def body_mass_index(weight_kg: float | None, height_cm: float | None) -> float | None:
    """BMI (kg/m²) to one decimal, when both are known."""
    if weight_kg is None or not height_cm:
        return None
    return round(weight_kg / (height_cm / 100) ** 2, 1)


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
        "danger_signs": {str(condition): list(codes) for condition, codes in DANGER_SIGNS.items()},
        "danger_sign_aliases": dict(DANGER_SIGN_ALIASES),
        "classification_order": [str(c) for c in CLASSIFICATION_ORDER],
        "notes": [
            "urgent_referral: sbp >= urgent_sbp or dbp >= urgent_dbp (both conditions), any danger sign; "
            "diabetes also: fasting glucose >= urgent_glucose_high or <= urgent_glucose_low, "
            "heart rate > urgent_heart_rate",
            "classification: the first of classification_order that holds; uncontrolled when the "
            "target is missed (hypertension: blood pressure by age on the local date of the follow-up; "
            "diabetes: fasting glucose only)",
            "referral_recommended: urgent, complication (new or worsened), or this and the previous "
            "face-to-face follow-up of the enrollment (by performed_at) both not controlled",
            "next_due_on: local performed date + followup_interval_days when controlled and not urgent, "
            "else + recheck_days; a doctor may set an earlier date, not before the performed date",
            "phone follow-ups: reported values are kept but no rule reads them; urgent only by danger "
            "signs; classified by complication or adverse reaction, else the previous face-to-face "
            "follow-up's classification (uncontrolled when none); never part of two in a row; "
            "next_due_on is the earlier of the enrollment's due date and the rules' date",
            "queues: due when today <= due <= today + due_window_days; overdue when due < today; "
            "lost when overdue by more than lost_after_days",
        ],
    }
