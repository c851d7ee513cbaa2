"""The indicators page charts each condition's control and standardized management rates by month."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from tests.builders import create_resident, create_township, create_user, create_village
from tests.console.builders import create_enrollment, create_followup
from tests.console.helpers import sign_in

YEAR = 2026


def _month_bars(page: str, condition: str) -> dict[tuple[int, str], str]:
    """(month, series) → the bar's value, from the condition's by-month chart."""
    start = page.index(f'aria-label="{condition} · by month"')
    chart = page[start : page.index("</svg>", start)]
    return {
        (int(month), series): value
        for month, series, value in re.findall(r"<title>(\d+) · ([^:<]+): ([\d.]+%)</title>", chart)
    }


def test_manager_sees_both_rates_of_each_month_as_of_its_end(client: FlaskClient, app: object) -> None:
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    # One resident managed all year with a controlled follow-up in February, then an uncontrolled
    # one in May: February needs ceil(4×2/12) = 1 face-to-face (met), April ceil(16/12) = 2 (not met),
    # May 2 (met again). A second resident is managed from July without any follow-up.
    enrollment = create_enrollment(create_resident(village, name="甲"), enrolled_on=date(2025, 6, 1))
    create_followup(enrollment, datetime(YEAR, 2, 3, 2, 0, tzinfo=UTC))
    # v2: control is read from the values, so the uncontrolled one carries uncontrolled readings.
    create_followup(
        enrollment, datetime(YEAR, 5, 3, 2, 0, tzinfo=UTC), classification="uncontrolled", sbp=152, dbp=96
    )
    create_enrollment(create_resident(village, name="乙"), enrolled_on=date(YEAR, 7, 1))
    sign_in(client, manager)

    page = client.get(f"/console/indicators?year={YEAR}").get_data(as_text=True)

    # Each condition by village and by month, and screening by village and by month.
    assert page.count("<svg") == 6
    bars = _month_bars(page, "Hypertension")
    control = [bars[(m, "Control rate")] for m in range(1, 13)]
    standardized = [bars[(m, "Standardized management rate")] for m in range(1, 13)]
    assert control == ["0.0%"] + ["100.0%"] * 3 + ["0.0%"] * 8
    assert standardized == ["0.0%", "100.0%", "100.0%", "0.0%", "100.0%", "100.0%"] + ["0.0%"] * 6
    diabetes = _month_bars(page, "Type 2 diabetes")
    # Control, standardized management and health check rates of 12 months, all 0.
    assert set(diabetes.values()) == {"0.0%"} and len(diabetes) == 36
