"""Every boundary of DOMAIN.md's follow-up rules: just below, on, just above."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from marshmallow import ValidationError

from fieldapp.followups import rules
from fieldapp.followups.rules import Classification as C
from fieldapp.followups.rules import Condition, Measurements, QueueState
from fieldapp.followups.schemas import FollowUpSchema

HT = Condition.HYPERTENSION
DM = Condition.DIABETES
BORN_1960 = date(1960, 5, 1)
DAY = date(2026, 11, 22)


def ht(sbp: int = 120, dbp: int = 80, **kw: object) -> Measurements:
    return Measurements(condition=HT, sbp=sbp, dbp=dbp, **kw)  # type: ignore[arg-type]


def dm(glucose: float = 6.0, sbp: int = 120, dbp: int = 80, **kw: object) -> Measurements:
    return Measurements(condition=DM, sbp=sbp, dbp=dbp, fasting_glucose=glucose, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("sbp", 59, False), ("sbp", 60, True), ("sbp", 300, True), ("sbp", 301, False),
        ("dbp", 29, False), ("dbp", 30, True), ("dbp", 200, True), ("dbp", 201, False),
        ("heart_rate", 19, False), ("heart_rate", 20, True), ("heart_rate", 250, True), ("heart_rate", 251, False),
        ("fasting_glucose", 0.9, False), ("fasting_glucose", 1.0, True),
        ("fasting_glucose", 35.0, True), ("fasting_glucose", 35.1, False),
        ("weight_kg", 1.9, False), ("weight_kg", 2, True), ("weight_kg", 300, True), ("weight_kg", 300.1, False),
        ("height_cm", 39.9, False), ("height_cm", 40, True), ("height_cm", 250, True), ("height_cm", 250.1, False),
    ],
)  # fmt: skip
def test_validation_ranges(field: str, value: float, ok: bool) -> None:
    values = {"sbp": 300 if field == "dbp" else 120, "dbp": 70, "fasting_glucose": 6.0, field: value}
    body = {
        "resident_id": str(uuid.uuid4()),
        "condition": "diabetes",
        "performed_at": "2026-11-01T10:00:00+08:00",
        "mode": "clinic",
        **values,
    }
    try:
        FollowUpSchema().load(body)
        errors: dict[str, Any] = {}
    except ValidationError as error:
        errors = error.messages  # type: ignore[assignment]
    assert (field not in errors) is ok


@pytest.mark.parametrize(("sbp", "dbp", "ok"), [(120, 119, True), (120, 120, False), (120, 121, False)])
def test_dbp_must_be_below_sbp(sbp: int, dbp: int, ok: bool) -> None:
    assert ("dbp" not in rules.validation_errors("hypertension", {"sbp": sbp, "dbp": dbp})) is ok


def test_glucose_required_for_diabetes_only() -> None:
    assert rules.validation_errors("diabetes", {"sbp": 120, "dbp": 80}) == {
        "fasting_glucose": ["required for diabetes"]
    }
    assert rules.validation_errors("hypertension", {"sbp": 120, "dbp": 80}) == {}


def test_unknown_danger_sign_is_an_error_known_ones_are_not() -> None:
    errors = rules.validation_errors(
        "hypertension", {"sbp": 120, "dbp": 80, "danger_signs": ["headache", "chest_pain"]}
    )
    assert errors == {"danger_signs": ["unknown code: headache"]}
    every_code = [code for codes in rules.DANGER_SIGNS.values() for code in codes]
    assert len(set(every_code)) == 21  # 10 for hypertension, 14 for diabetes, 3 on both lists
    every_code += list(rules.DANGER_SIGN_ALIASES)
    assert (
        rules.validation_errors(
            "diabetes", {"sbp": 120, "dbp": 80, "fasting_glucose": 5, "danger_signs": every_code}
        )
        == {}
    )


@pytest.mark.parametrize(
    ("measurements", "urgent"),
    [
        (ht(sbp=179, dbp=100), False), (ht(sbp=180, dbp=100), True), (ht(sbp=181, dbp=100), True),
        (ht(sbp=170, dbp=109), False), (ht(sbp=170, dbp=110), True), (ht(sbp=170, dbp=111), True),
        (dm(sbp=180, dbp=100), True), (dm(sbp=170, dbp=110), True), (dm(sbp=179, dbp=109), False),
        (dm(glucose=16.6), False), (dm(glucose=16.7), True), (dm(glucose=16.8), True),
        (dm(glucose=4.0), False), (dm(glucose=3.9), True), (dm(glucose=3.8), True),
        (dm(heart_rate=100), False), (dm(heart_rate=101), True),
        # glucose and heart rate are diabetes-only danger criteria
        (ht(fasting_glucose=20.0), False), (ht(fasting_glucose=3.0), False), (ht(heart_rate=130), False),
        (ht(danger_signs=("severe_headache",)), True), (dm(danger_signs=("ketotic_breath",)), True),
        (ht(), False), (dm(), False),
    ],
)  # fmt: skip
def test_urgent_referral(measurements: Measurements, urgent: bool) -> None:
    assert rules.is_urgent(measurements) is urgent


@pytest.mark.parametrize(
    ("measurements", "age", "expected"),
    [
        (ht(139, 89), 64, C.CONTROLLED), (ht(140, 89), 64, C.UNCONTROLLED), (ht(141, 89), 64, C.UNCONTROLLED),
        (ht(139, 90), 64, C.UNCONTROLLED), (ht(139, 91), 64, C.UNCONTROLLED),
        (ht(149, 89), 65, C.CONTROLLED), (ht(150, 89), 65, C.UNCONTROLLED), (ht(151, 89), 65, C.UNCONTROLLED),
        (ht(145, 89), 64, C.UNCONTROLLED), (ht(145, 89), 65, C.CONTROLLED), (ht(145, 89), 80, C.CONTROLLED),
        (ht(140, 90), 65, C.UNCONTROLLED),
        (dm(6.9), 50, C.CONTROLLED), (dm(7.0), 50, C.UNCONTROLLED), (dm(7.1), 50, C.UNCONTROLLED),
        (dm(4.0), 50, C.CONTROLLED), (dm(3.9), 50, C.UNCONTROLLED), (dm(3.8), 50, C.UNCONTROLLED),
        # diabetes: blood pressure is recorded, not used for control
        (dm(6.0, sbp=170, dbp=105), 50, C.CONTROLLED),
        (ht(120, 80, adverse_reaction=True), 50, C.ADVERSE_REACTION),
        (ht(170, 100, adverse_reaction=True), 50, C.ADVERSE_REACTION),
        (ht(120, 80, adverse_reaction=True, new_complication=True), 50, C.COMPLICATION),
        (dm(12.0, new_complication=True), 50, C.COMPLICATION),
    ],
)  # fmt: skip
def test_classification(measurements: Measurements, age: int, expected: C) -> None:
    assert rules.classify(measurements, age) == expected


@pytest.mark.parametrize(
    ("day", "age"),
    [(date(2025, 4, 30), 64), (date(2025, 5, 1), 65), (date(2025, 5, 2), 65)],
)
def test_age_changes_on_the_birthday(day: date, age: int) -> None:
    assert rules.age_on(BORN_1960, day) == age


def test_leap_day_birthday_counts_from_first_of_march() -> None:
    born = date(1960, 2, 29)
    assert rules.age_on(born, date(2025, 2, 28)) == 64
    assert rules.age_on(born, date(2025, 3, 1)) == 65
    assert rules.age_on(born, date(2024, 2, 29)) == 64


def test_elderly_target_applies_from_the_65th_birthday() -> None:
    m = ht(145, 85)
    before = rules.assess(m, birth_date=BORN_1960, performed_on=date(2025, 4, 30), previous=None)
    on = rules.assess(m, birth_date=BORN_1960, performed_on=date(2025, 5, 1), previous=None)
    assert before.classification == C.UNCONTROLLED
    assert on.classification == C.CONTROLLED


@pytest.mark.parametrize(
    ("urgent", "current", "previous", "expected"),
    [
        (False, C.CONTROLLED, None, False),
        (False, C.UNCONTROLLED, None, False),
        (False, C.UNCONTROLLED, C.CONTROLLED, False),
        (False, C.UNCONTROLLED, C.UNCONTROLLED, True),
        (False, C.ADVERSE_REACTION, C.UNCONTROLLED, True),
        (False, C.UNCONTROLLED, C.ADVERSE_REACTION, True),
        (False, C.ADVERSE_REACTION, C.ADVERSE_REACTION, True),
        (False, C.UNCONTROLLED, C.COMPLICATION, True),
        (False, C.CONTROLLED, C.UNCONTROLLED, False),
        (False, C.COMPLICATION, None, True),
        (True, C.CONTROLLED, None, True),
    ],
)
def test_referral_recommended(urgent: bool, current: C, previous: C | None, expected: bool) -> None:
    assert rules.referral_recommended(urgent, current, previous) is expected


@pytest.mark.parametrize(
    ("classification", "urgent", "days"),
    [
        (C.CONTROLLED, False, 90),
        (C.CONTROLLED, True, 14),
        (C.UNCONTROLLED, False, 14),
        (C.ADVERSE_REACTION, False, 14),
        (C.COMPLICATION, False, 14),
    ],
)
def test_next_due_on(classification: C, urgent: bool, days: int) -> None:
    assert (rules.next_due_on(DAY, classification, urgent) - DAY).days == days


@pytest.mark.parametrize(
    ("offset", "state"),
    [
        (8, None), (7, QueueState.DUE), (1, QueueState.DUE), (0, QueueState.DUE),
        (-1, QueueState.OVERDUE), (-90, QueueState.OVERDUE), (-91, QueueState.LOST),
    ],
)  # fmt: skip
def test_queue_state(offset: int, state: QueueState | None) -> None:
    from datetime import timedelta

    assert rules.queue_state(DAY + timedelta(days=offset), DAY) == state


def test_rules_document_carries_every_threshold_with_its_source() -> None:
    document = rules.rules_document()
    assert document["rules"]["urgent_sbp"]["value"] == 180
    assert all(rule["source"] for rule in document["rules"].values())
    assert document["danger_sign_aliases"]["chest_pain"] == "chest_tightness"
    assert document["classification_order"] == [
        "complication",
        "adverse_reaction",
        "uncontrolled",
        "controlled",
    ]
