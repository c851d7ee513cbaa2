"""DOMAIN.md's screening results on every boundary."""

from datetime import date

import pytest

from fieldapp.screenings.rules import age_cutoff, confirm_by, screening_results, suspected_conditions


@pytest.mark.parametrize(
    ("sbp", "dbp", "expected"),
    [
        (139, 89, ["high_normal"]),
        (140, 89, ["suspected_hypertension"]),
        (139, 90, ["suspected_hypertension"]),
        (130, 84, ["high_normal"]),
        (129, 85, ["high_normal"]),
        (129, 84, ["normal"]),
    ],
)
def test_blood_pressure_boundaries(sbp, dbp, expected):
    assert screening_results(sbp, dbp, None, enrolled=()) == expected


@pytest.mark.parametrize(("glucose", "suspected"), [(6.9, False), (7.0, True)])
def test_glucose_boundary(glucose, suspected):
    results = screening_results(120, 80, glucose, enrolled=())
    assert results == (["normal", "suspected_diabetes"] if suspected else ["normal"])


def test_glucose_alone():
    assert screening_results(None, None, 6.9, enrolled=()) == ["normal"]
    assert screening_results(None, None, 7.0, enrolled=()) == ["suspected_diabetes"]


def test_an_enrolled_condition_is_never_suspected():
    assert screening_results(150, 95, 8.0, enrolled=("hypertension",)) == ["suspected_diabetes"]
    assert screening_results(150, 95, 8.0, enrolled=("hypertension", "diabetes")) == []
    # Below the line an enrolled resident's reading still reads as it is.
    assert screening_results(132, 80, None, enrolled=("hypertension",)) == ["high_normal"]


def test_confirm_by_is_fourteen_days_after_a_suspected_screening():
    assert confirm_by(date(2026, 12, 20), ["suspected_hypertension"]) == date(2027, 1, 3)
    assert confirm_by(date(2026, 12, 20), ["high_normal"]) is None
    assert suspected_conditions(["suspected_diabetes", "suspected_hypertension"]) == [
        "hypertension",
        "diabetes",
    ]


def test_age_cutoff_is_the_last_day_of_the_year_35_years_back():
    assert age_cutoff(2026) == date(1991, 12, 31)


def test_every_screening_code_has_words_in_the_glossary():
    from fieldapp.glossary import GLOSSARY
    from fieldapp.screenings.rules import RISK_FACTORS, Outcome, ScreeningResult

    assert set(RISK_FACTORS) == set(GLOSSARY["risk_factor"])
    assert {str(r) for r in ScreeningResult} == set(GLOSSARY["screening_result"])
    assert {str(o) for o in Outcome} == set(GLOSSARY["screening_outcome"])
