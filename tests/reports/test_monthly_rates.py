"""Each month's control and standardized management rates, as of the month's end, worked out by hand."""

from datetime import date

from fieldapp.auth.models import Role
from fieldapp.reports.service import indicators, indicators_by_month
from tests.builders import create_resident, create_township, create_user, create_village
from tests.reports.builders import create_enrollment, create_followup

HT = "hypertension"


def test_the_rates_of_each_month_count_from_january_to_its_end(app: object) -> None:
    township = create_township()
    village = create_village(township)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    a, b, c = (create_resident(village, name=name) for name in ("甲", "乙", "丙"))
    # 甲, enrolled before 2026: m = the month number, needing ceil(4m/12) = 1, 1, 1, 2, 2, 2, 3, ... 4.
    # Face to face: 1 by March, 2 by April (local 1 April, still 31 March in UTC), 3 by July; the
    # October phone call does not count, so from October 3 < 4. Latest: controlled, then from April
    # uncontrolled, from July controlled again.
    e = create_enrollment(a, HT, date(2025, 1, 1))
    create_followup(e, "2026-01-15T09:00:00+08:00")
    create_followup(e, "2026-04-01T00:30:00+08:00", classification="uncontrolled")
    create_followup(e, "2026-07-15T09:00:00+08:00", mode="home")
    create_followup(e, "2026-10-15T09:00:00+08:00", mode="phone")
    # 乙, managed from March, closed in May: m = 1, 2, then 3 from May on (capped at May); one
    # controlled clinic follow-up in March is enough for each (ceil(4/12) = ceil(8/12) = ceil(12/12) = 1).
    e = create_enrollment(b, HT, date(2026, 3, 10), closed_on=date(2026, 5, 20))
    create_followup(e, "2026-03-20T09:00:00+08:00")
    # 丙, managed from June, never followed up: neither standardized nor controlled.
    create_enrollment(c, HT, date(2026, 6, 1))

    months = indicators_by_month(manager, None, 2026)

    managed = [m[HT]["managed"] for m in months]
    assert managed == [1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3]
    assert [m[HT]["standardized"] for m in months] == [1, 1, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1]
    assert [m[HT]["controlled"] for m in months] == [1, 1, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    assert [m[HT]["standardized_management_rate"] for m in months] == (
        [1.0] * 5 + [0.6667] * 4 + [0.3333] * 3
    )
    assert [m[HT]["control_rate"] for m in months] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.3333] + [0.6667] * 6
    assert all(m["diabetes"]["managed"] == 0 and m["diabetes"]["control_rate"] == 0.0 for m in months)
    # December's figures are the year's.
    year = indicators(manager, None, 2026)
    assert months[11][HT] == year[HT]
    # The month's own work is still there: 甲's local-April follow-up is April's.
    assert [m["followups"] for m in months][:4] == [1, 0, 1, 1]
