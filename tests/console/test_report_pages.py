"""Indicators, county view, coverage and doctors' work pages; the indicator export against the API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import Visit
from fieldapp.timeutil import utcnow
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.console.builders import create_enrollment, create_followup
from tests.console.helpers import sign_in

YEAR = 2026


@pytest.fixture
def county(app: object) -> dict[str, object]:
    """A township with two villages: 东村 has two managed residents (one controlled), 西村 none."""
    home = create_township(code="TS1", name="青山镇")
    east, west = create_village(home, name="东村"), create_village(home, name="西村")
    other = create_township(code="TS2", name="河口乡")
    far = create_village(other, name="远村")
    doctor = create_user(Role.VILLAGE_DOCTOR, username="doc", township=home, villages=[east])
    for n, classification in enumerate(("controlled", "uncontrolled")):
        resident = create_resident(east, name=f"居民{n}")
        enrollment = create_enrollment(resident, next_due_on=date(2026, 11, 1))
        for month in (2, 5, 8, 11):
            create_followup(
                enrollment,
                datetime(YEAR, month, 3, 2, 0, tzinfo=UTC),
                classification=classification,
                performed_by=doctor.id,
                # v2: control is read from the readings.
                **({"sbp": 156, "dbp": 96} if classification == "uncontrolled" else {}),
            )
    far_resident = create_resident(far, name="远方")
    create_enrollment(far_resident, condition="diabetes")
    db.session.add(
        Visit(
            village_id=east.id,
            visited_at=utcnow() - timedelta(days=2),
            purpose="household",
            performed_by=doctor.id,
        )
    )
    db.session.commit()
    return {
        "home": home,
        "east": east,
        "west": west,
        "other": other,
        "doctor": doctor,
        "manager": create_user(Role.TOWNSHIP_MANAGER, township=home),
        "admin": create_user(Role.COUNTY_ADMIN),
    }


def test_manager_sees_the_townships_indicators_by_village_with_charts(
    client: FlaskClient, county: dict
) -> None:
    sign_in(client, county["manager"])
    page = client.get(f"/console/indicators?year={YEAR}").get_data(as_text=True)
    assert "东村" in page and "西村" in page and "远村" not in page
    # Each condition by village and by month, screening by village and by month.
    assert page.count("<svg") == 6
    assert "50.0%" in page  # control rate of 东村 and of the township: 1 of 2


def test_the_indicator_page_shows_screening_by_month_with_how_it_is_computed(
    client: FlaskClient, county: dict
) -> None:
    import re

    sign_in(client, county["manager"], "zh")
    page = client.get(f"/console/indicators?year={YEAR}").get_data(as_text=True)
    section = page[page.index('id="screening-by-month"') :]
    assert "各月末的筛查情况" in section
    table, after = section.split("</table>", 1)
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in table.split("<tr")[2:]]
    # Both residents of 东村 (aged 35+) were first measured face to face on 3 February.
    assert [row[0] for row in rows] == [str(m) for m in range(1, 13)]
    assert [(row[1], row[2], row[3]) for row in rows[:3]] == [
        ("2", "0", "0.0%"),
        ("2", "2", "100.0%"),
        ("2", "2", "100.0%"),
    ]
    assert "1月1日至当月末" in after[:1500]  # the line saying how it is computed, under the table


def test_a_rate_over_nobody_is_a_dash(client: FlaskClient, county: dict) -> None:
    sign_in(client, county["manager"])
    page = client.get(f"/console/indicators?year={YEAR}").get_data(as_text=True)
    west = page[page.index("西村", page.index('class="indicators"')) :].split("</tr>")[0]  # nobody enrolled
    # v2: per condition the management rate (no expected figure) and four rates over nobody.
    assert "0.0%" not in west and west.count(">—<") == 10


def test_manager_may_not_see_another_townships_indicators(client: FlaskClient, county: dict) -> None:
    sign_in(client, county["manager"])
    other = county["other"]
    assert (
        client.get(f"/console/indicators?township_id={other.id}").status_code == 200
    )  # ignored: own township
    assert "河口乡" not in client.get(f"/console/indicators?township_id={other.id}").get_data(as_text=True)
    assert client.get(f"/console/indicators.csv?year={YEAR}").status_code == 200
    assert client.get("/console/county").status_code == 403


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_indicator_export_matches_the_api(client: FlaskClient, county: dict, fmt: str) -> None:
    manager = county["manager"]
    from_api = api(client, "get", f"/api/v1/reports/indicators?year={YEAR}", manager).get_json()
    sign_in(client, manager)
    response = client.get(f"/console/indicators.{fmt}?year={YEAR}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    if fmt == "csv":
        rows = _csv_rows(response.data)
    else:
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)][1:]
    header, body = rows[0], rows[1:]
    # The county's layout: a row per village, then the total; each condition's figures side by side.
    assert [row[0] for row in body] == ["东村", "西村", "合计"]
    total = dict(zip(header, body[-1], strict=True))
    words = {"hypertension": "高血压", "diabetes": "2型糖尿病"}
    headers = {"managed": "已管理人数", "standardized": "规范管理人数", "controlled": "控制满意人数"}
    rates = {"standardized_management_rate": "规范管理率", "control_rate": "控制率"}
    for condition, word in words.items():
        for key, title in headers.items():
            assert int(total[f"{word} {title}"]) == from_api[condition][key], (condition, key)
        for key, title in rates.items():
            value = total[f"{word} {title}"]
            found = float(value.rstrip("%")) / 100 if isinstance(value, str) else value
            assert found == pytest.approx(from_api[condition][key], abs=0.001), (condition, key)
    east = dict(zip(header, body[0], strict=True))
    assert int(east["高血压 已管理人数"]) == int(east["高血压 规范管理人数"]) == 2
    # v2: the health check and complete-record figures, and the screening figures, come along.
    assert int(total["高血压 年度体检人数"]) == from_api["hypertension"]["health_checked"]
    assert int(total["35岁及以上居民数"]) == from_api["screening"]["population_35plus"]
    assert total["高血压 应管理人数"] in ("", None)  # no expected figure set


def test_admin_sees_county_indicators_by_township_matching_the_api(client: FlaskClient, county: dict) -> None:
    admin = county["admin"]
    from_api = api(client, "get", f"/api/v1/reports/indicators?year={YEAR}", admin).get_json()
    sign_in(client, admin)
    page = client.get(f"/console/county?year={YEAR}").get_data(as_text=True)
    assert "青山镇" in page and "河口乡" in page and page.count("<svg") == 3  # each condition, and screening
    assert from_api["hypertension"]["managed"] == 2 and from_api["diabetes"]["managed"] == 1
    other = county["other"]
    assert "远村" in client.get(f"/console/indicators?township_id={other.id}").get_data(as_text=True)


def test_coverage_shows_blank_spots_first(client: FlaskClient, county: dict) -> None:
    sign_in(client, county["manager"])
    page = client.get("/console/coverage").get_data(as_text=True)
    assert page.index("西村") < page.index("东村")
    assert page.count("blank spot") == 1 + 1  # the explanation and 西村's badge


def test_doctor_work_shows_followups_by_month_and_overdue_share(client: FlaskClient, county: dict) -> None:
    sign_in(client, county["manager"])
    page = client.get(f"/console/doctors/work?year={YEAR}").get_data(as_text=True)
    assert county["doctor"].username in page
    assert "8/1" in page  # 8 follow-ups and 1 visit in the year
    assert "100.0%" in page  # both residents of 东村 overdue (due 2026-11-01)
