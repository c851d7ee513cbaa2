"""The v2 indicators on a township worked out by hand (DOMAIN.md "Indicators", year 2026).

Township 松林镇 (expected: hypertension 10, diabetes not set), one village; every
hypertension enrollment began in 2025, so a full year needs 4 face-to-face follow-ups.
"""

from datetime import date

import pytest

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.reports.service import (
    indicators,
    indicators_by_month,
    indicators_by_township,
    indicators_by_village,
)
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.reports.builders import (
    create_enrollment,
    create_health_check,
    create_measured_followup,
    create_screening,
)

HT, DM = "hypertension", "diabetes"
QUARTERS = ("2026-02-10", "2026-05-10", "2026-08-10")


def _at(day: str, time: str = "09:00") -> str:
    return f"{day}T{time}:00+08:00"


def _managed(village, name, birth, condition=HT):
    resident = create_resident(village, name=name, birth_date=birth)
    return resident, create_enrollment(resident, condition, date(2025, 6, 1), next_due_on=date(2027, 1, 1))


def _three_controlled(enrollment):
    for day in QUARTERS:
        if enrollment.condition == DM:
            create_measured_followup(enrollment, _at(day), 128, 80, fasting_glucose=6.0)
        else:
            create_measured_followup(enrollment, _at(day), 128, 80)


@pytest.fixture
def songlin(app):
    township = create_township(name="松林镇")
    township.expected_hypertension = 10
    db.session.commit()
    village = create_village(township, name="松林村")

    # A: born 1991-12-31, 35 on 31 December 2026: counted. 4 face-to-face, latest 130/80:
    # standardized, controlled. A 2026 health check.
    a, e = _managed(village, "A", date(1991, 12, 31))
    _three_controlled(e)
    # Its latest record misses items: incomplete.
    create_measured_followup(e, _at("2026-11-10"), 130, 80, complete=False)
    create_health_check(a, date(2026, 3, 15))
    # B: born 1992-01-01, 35 only in January 2027: counted nowhere (not even the population).
    b, e = _managed(village, "B", date(1992, 1, 1))
    _three_controlled(e)
    create_measured_followup(e, _at("2026-11-10"), 130, 80)
    create_health_check(b, date(2026, 3, 15))
    create_screening(b, _at("2026-04-01"), ["suspected_diabetes"], (DM, "confirmed", date(2026, 4, 10)))
    # C: 66. Latest face-to-face is an adverse reaction at 145/85, on the 65+ target (< 150/90):
    # controlled. Its health check was in 2025: not health-checked in 2026.
    c, e = _managed(village, "C", date(1960, 5, 1))
    _three_controlled(e)
    create_measured_followup(e, _at("2026-11-10"), 145, 85, classification="adverse_reaction")
    create_health_check(c, date(2025, 12, 31))
    # D: 56. Latest face-to-face 145/85 misses the target (< 140/90); a later phone call saying
    # 120/80 is ignored: not controlled. Standardized (4 face-to-face).
    _d, e = _managed(village, "D", date(1970, 3, 3))
    _three_controlled(e)
    create_measured_followup(e, _at("2026-11-10"), 145, 85, classification="uncontrolled")
    create_measured_followup(e, _at("2026-11-25"), 120, 80, mode="phone", complete=False)
    # E: 56. Two face-to-face (not standardized), the latest 120/80; a later phone call reporting
    # 160/100 is ignored: controlled.
    _e_resident, e = _managed(village, "E", date(1970, 3, 3))
    create_measured_followup(e, _at("2026-03-01"), 150, 95, mode="home", classification="uncontrolled")
    create_measured_followup(e, _at("2026-06-01"), 120, 80, mode="home")
    create_measured_followup(
        e, _at("2026-09-01"), 160, 100, mode="phone", classification="uncontrolled", complete=False
    )
    # F: born 1961-11-02, 65 from 2 November 2026 (local). Latest follow-up at 07:00 local on
    # that day (1 November in UTC), 145/85: on the 65+ target: controlled. Standardized.
    _f, e = _managed(village, "F", date(1961, 11, 2))
    _three_controlled(e)
    create_measured_followup(e, _at("2026-11-02", "07:00"), 145, 85, classification="controlled")
    # I: 56, only a phone follow-up: managed, not standardized, not controlled, not screened.
    _i, e = _managed(village, "I", date(1970, 1, 1))
    create_measured_followup(e, _at("2026-04-01"), 125, 80, mode="phone")
    # G: diabetes, latest fasting glucose 7.0: not controlled. Standardized.
    _g, e = _managed(village, "G", date(1965, 7, 7), DM)
    _three_controlled(e)
    create_measured_followup(
        e, _at("2026-11-10"), 128, 80, fasting_glucose=7.0, classification="uncontrolled"
    )
    # H: diabetes, latest 6.9: controlled. Standardized. A 2026 health check (in June).
    h, e = _managed(village, "H", date(1965, 7, 7), DM)
    _three_controlled(e)
    create_measured_followup(e, _at("2026-11-10"), 128, 80, fasting_glucose=6.9, complete=False)
    create_health_check(h, date(2026, 6, 20))

    # Screening of residents not managed. S1 normal; S2 suspected hypertension, confirmed in
    # 2026; S3 suspected diabetes, excluded; S4 is 31 (not counted); S5 screened in 2025 only.
    s1 = create_resident(village, name="S1", birth_date=date(1980, 1, 1))
    create_screening(s1, _at("2026-05-01"), ["normal"])
    s2 = create_resident(village, name="S2", birth_date=date(1980, 1, 1))
    create_screening(s2, _at("2026-11-01"), ["suspected_hypertension"], (HT, "confirmed", date(2026, 11, 10)))
    s3 = create_resident(village, name="S3", birth_date=date(1980, 1, 1))
    create_screening(
        s3, _at("2026-06-01"), ["high_normal", "suspected_diabetes"], (DM, "excluded", date(2026, 6, 9))
    )
    s4 = create_resident(village, name="S4", birth_date=date(1995, 1, 1))
    create_screening(s4, _at("2026-06-01"), ["suspected_hypertension"])
    s5 = create_resident(village, name="S5", birth_date=date(1980, 1, 1))
    create_screening(s5, _at("2025-12-31", "23:00"), ["normal"])

    # Another township, no expected figures.
    elsewhere = create_township(name="河西乡")
    _other, e = _managed(create_village(elsewhere), "O", date(1950, 1, 1))
    _three_controlled(e)
    return {"township": township, "village": village, "elsewhere": elsewhere}


def test_every_v2_indicator_matches_the_hand_count(client, songlin):
    manager = create_user(Role.TOWNSHIP_MANAGER, township=songlin["township"])
    body = api(client, "get", "/api/v1/reports/indicators?year=2026", manager).json
    # Hypertension managed: A C D E F I = 6 (B is 34 on 31 December); expected 10 → 0.6.
    # Standardized: A C D F = 4 → 0.6667. Controlled: A C E F = 4 → 0.6667.
    # Health-checked: A = 1 → 0.1667. Latest records (any mode): all 6 have one; complete: C F I
    # (A's misses items; D's and E's latest are incomplete phone calls) = 3 → 0.5.
    assert body["hypertension"] == {
        "managed": 6,
        "expected": 10,
        "management_rate": 0.6,
        "standardized": 4,
        "standardized_management_rate": 0.6667,
        "controlled": 4,
        "control_rate": 0.6667,
        "health_checked": 1,
        "health_check_rate": 0.1667,
        "latest_records": 6,
        "complete_records": 3,
        "complete_records_rate": 0.5,
    }
    # Diabetes managed: G H = 2; expected not set → management_rate null. Standardized 2;
    # controlled H = 1; health-checked H = 1; latest records complete: G (H's is not) = 1 of 2.
    assert body["diabetes"] == {
        "managed": 2,
        "expected": None,
        "management_rate": None,
        "standardized": 2,
        "standardized_management_rate": 1.0,
        "controlled": 1,
        "control_rate": 0.5,
        "health_checked": 1,
        "health_check_rate": 0.5,
        "latest_records": 2,
        "complete_records": 1,
        "complete_records_rate": 0.5,
    }
    # Population aged 35+: A C D E F I G H S1 S2 S3 S5 = 12. Screened (a screening or a
    # face-to-face follow-up in 2026): A C D E F G H S1 S2 S3 = 10 → 0.8333. Suspected: S2 S3 = 2
    # (B's and S4's do not count: under 35); confirmed in 2026: S2 = 1.
    assert body["screening"] == {
        "population_35plus": 12,
        "screened": 10,
        "screening_rate": 0.8333,
        "suspected": 2,
        "confirmed": 1,
    }


def test_a_township_without_expected_figures_has_no_management_rate(client, songlin):
    admin = create_user(Role.COUNTY_ADMIN)
    path = f"/api/v1/reports/indicators?year=2026&township_id={songlin['elsewhere'].id}"
    body = api(client, "get", path, admin).json
    assert body["hypertension"]["managed"] == 1
    assert body["hypertension"]["expected"] is None
    assert body["hypertension"]["management_rate"] is None
    # The county: not every township has a figure, so neither has the county.
    county = api(client, "get", "/api/v1/reports/indicators?year=2026", admin).json
    assert county["hypertension"]["managed"] == 7
    assert county["hypertension"]["management_rate"] is None
    townships = {row["township"].name: row for row in indicators_by_township(admin, 2026)}
    assert townships["松林镇"]["hypertension"]["management_rate"] == 0.6
    assert townships["松林镇"]["screening"]["screened"] == 10
    assert townships["河西乡"]["hypertension"]["management_rate"] is None


def test_by_village_and_by_month(app, songlin):
    manager = create_user(Role.TOWNSHIP_MANAGER, township=songlin["township"])
    (village,) = indicators_by_village(manager, songlin["township"].id, 2026)
    assert village["hypertension"]["controlled"] == 4
    assert village["screening"]["screening_rate"] == 0.8333
    months = {m["month"]: m for m in indicators_by_month(manager, songlin["township"].id, 2026)}
    # A's check (15 March) counts from March's figures on; H's (20 June) from June's.
    assert [months[m]["hypertension"]["health_checked"] for m in (2, 3, 12)] == [0, 1, 1]
    assert [months[m]["diabetes"]["health_checked"] for m in (5, 6)] == [0, 1]
    assert months[12]["hypertension"]["management_rate"] == 0.6
    # As of October's end, F's latest face-to-face is August's 128/80: controlled; D's too.
    assert months[10]["hypertension"]["controlled"] == 5
    # Screening as of each month's end. First screened (a screening or a face-to-face follow-up):
    # A C D F G H in February, E in March (home), S1 in May, S3 in June, S2 in November; I's only
    # follow-up is a phone call, S5's screening was in 2025. Suspected: S3 (June), S2 (November);
    # S2 confirmed on 10 November.
    screening = [months[m]["screening"] for m in range(1, 13)]
    assert [s["screened"] for s in screening] == [0, 6, 7, 7, 8, 9, 9, 9, 9, 9, 10, 10]
    assert [s["suspected"] for s in screening] == [0] * 5 + [1] * 5 + [2] * 2
    assert [s["confirmed"] for s in screening] == [0] * 10 + [1] * 2
    assert {s["population_35plus"] for s in screening} == {12}
    assert screening[2]["screening_rate"] == 0.5833  # 7 / 12
    year = indicators(manager, songlin["township"].id, 2026)
    assert months[12]["screening"] == year["screening"]
