"""The assessment of two village doctors over a quarter, computed by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fieldapp.assessment.periods import Period
from fieldapp.assessment.rules import score
from fieldapp.assessment.service import _assessments, assessment, set_weights, weights, yearly_trend
from fieldapp.auth.models import Role
from fieldapp.errors import ForbiddenError, ValidationError
from fieldapp.training.service import rural_doctors
from tests.assessment.builders import build_third_quarter
from tests.builders import api, create_user
from tests.console.helpers import count_statements


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    return build_third_quarter()


def _by_doctor(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["doctor"]["username"]: row for row in body["doctors"]}


def test_two_doctors_over_the_third_quarter(client: FlaskClient, world: dict[str, Any]) -> None:
    response = api(client, "GET", "/api/v1/reports/assessment?period=2026Q3", world["manager"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["period"] == "2026Q3"
    assert body["weights"] == {
        p: 1.0 for p in ("quantity", "timeliness", "completeness", "authenticity", "outcomes", "training")
    }
    rows = _by_doctor(body)
    a, b = rows["doctor_a"], rows["doctor_b"]
    # A: 3 face-to-face done, 3 due (9 Jul, 18 Sep, 3 Aug), 2 on time; 2 of 3 controlled at the end;
    # 3 of its 4 records complete (the phone call counts as a record); 2 confirmed of 3 answered;
    # 5 training days of 14 × 9/12 = 10.5.
    assert a["counts"] == {
        "done": 3, "due": 3, "records": 4, "complete_records": 3, "on_time": 2, "confirmed": 2, "answered": 3,
        "managed": 3, "controlled": 2, "trainings": 1, "training_days": 5,
    }  # fmt: skip
    assert (a["quantity"], a["timeliness"], a["authenticity"], a["denied"]) == (1.0, 0.6667, 0.6667, 1)
    assert (a["outcomes"], a["training"], a["completeness"]) == (0.6667, 0.4762, 0.75)
    assert a["score"] == 0.7044  # (1 + 0.6667 + 0.75 + 0.6667 + 0.6667 + 0.4762) / 6
    # B: 2 done, 3 due (30 Aug, 1 Jul, 17 Jul; b3 moved before its date), 1 on time; 1 of 2 records
    # complete; all 3 controlled;
    # nothing verified (left out of the score); 14 days ≥ 10.5.
    assert (b["counts"]["done"], b["counts"]["due"], b["counts"]["on_time"]) == (2, 3, 1)
    assert (b["quantity"], b["timeliness"], b["authenticity"], b["denied"]) == (0.6667, 0.3333, None, 0)
    assert (b["outcomes"], b["training"], b["completeness"]) == (1.0, 1.0, 0.5)
    assert b["score"] == 0.7  # (0.6667 + 0.3333 + 0.5 + 1 + 1) / 5


def test_the_county_weights_change_the_score(client: FlaskClient, world: dict[str, Any]) -> None:
    admin = create_user(Role.COUNTY_ADMIN)
    set_weights(admin, {"quantity": 2.0, "training": 0.0})
    body = api(
        client, "GET", f"/api/v1/reports/assessment?period=2026Q3&township_id={world['township'].id}", admin
    ).get_json()
    assert body["weights"]["quantity"] == 2.0 and body["weights"]["training"] == 0.0
    assert _by_doctor(body)["doctor_a"]["score"] == 0.7917  # (2 × 1 + 0.6667 + 0.75 + 0.6667 × 2) / 6


def test_weights_are_the_county_admins_and_checked(world: dict[str, Any]) -> None:
    with pytest.raises(ForbiddenError):
        set_weights(world["manager"], {"quantity": 2.0})
    admin = create_user(Role.COUNTY_ADMIN)
    with pytest.raises(ValidationError) as error:
        set_weights(admin, {"quantity": -1.0, "speed": 1.0})
    assert set(error.value.fields or {}) == {"quantity", "speed"}
    with pytest.raises(ValidationError):
        set_weights(
            admin,
            {
                p: 0.0
                for p in ("quantity", "timeliness", "completeness", "authenticity", "outcomes", "training")
            },
        )


def test_a_month_and_a_year(client: FlaskClient, world: dict[str, Any]) -> None:
    july = _by_doctor(
        api(client, "GET", "/api/v1/reports/assessment?period=2026-07", world["manager"]).get_json()
    )
    # B in July: 2 done; due 1 July and 17 July; 17 July on time.
    assert (july["doctor_b"]["counts"]["done"], july["doctor_b"]["counts"]["due"]) == (2, 2)
    assert july["doctor_b"]["timeliness"] == 0.5
    # July is month 7: 14 × 7/12 = 8.17 days due; A has 5.
    assert july["doctor_a"]["training"] == 0.6122
    year = api(client, "GET", "/api/v1/reports/assessment?period=2025", world["manager"]).get_json()
    assert all(row["quantity"] is None for row in year["doctors"])


def test_the_years_trend_is_each_months_assessment_in_one_pass(world: dict[str, Any]) -> None:
    manager, township = world["manager"], world["township"]
    assessment(manager, township.id, "2026-07")  # warm: the township and doctors are loaded once
    with count_statements() as one:
        assessment(manager, township.id, "2026-07")
    with count_statements() as statements:
        months, trend = yearly_trend(manager, township.id, 2026)
    assert months[:9] == [f"2026-{m:02d}" for m in range(1, 10)]
    # Each part one statement for all the months: what one assessment costs.
    assert len(statements) == len(one)
    for i, month in enumerate(months):
        alone = assessment(manager, township.id, month)["doctors"]
        assert {row["doctor"].id: row["score"] for row in alone} == {
            doctor_id: scores[i] for doctor_id, scores in trend.items()
        }, month


def test_every_part_of_a_month_is_the_same_alone_or_among_the_year(world: dict[str, Any]) -> None:
    manager, township = world["manager"], world["township"]
    months = [Period.parse(f"2026-{m:02d}") for m in range(6, 11)]
    together = _assessments(rural_doctors(manager, township.id), months, weights())
    for month, rows in zip(months, together, strict=True):
        assert rows == assessment(manager, township.id, month.code)["doctors"], month.code


def test_a_bad_period_is_a_field_error(client: FlaskClient, world: dict[str, Any]) -> None:
    response = api(client, "GET", "/api/v1/reports/assessment?period=2026Q5", world["manager"])
    assert response.status_code == 422
    assert "period" in response.get_json()["error"]["fields"]


def test_periods() -> None:
    assert (Period.parse("2026Q4").first_day, Period.parse("2026Q4").last_day) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert Period.parse("2026-02").last_day == date(2026, 2, 28)
    assert [m.code for m in Period.parse("2026Q1").months()] == ["2026-01", "2026-02", "2026-03"]
    with pytest.raises(ValueError):
        Period.parse("2026-13")


def test_score_leaves_out_what_could_not_be_measured() -> None:
    assert score({"quantity": 1.0, "authenticity": None}, {"quantity": 1.0, "authenticity": 5.0}) == 1.0
    assert score({"quantity": None}, {"quantity": 1.0}) is None
