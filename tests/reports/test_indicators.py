"""Indicators on a township worked out by hand (DOMAIN.md's definitions, year 2026)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.reports.service import indicators_by_month, indicators_by_village, rate
from fieldapp.timeutil import local_today
from tests.builders import api, create_facility, create_resident, create_township, create_user, create_village
from tests.reports.builders import (
    create_enrollment,
    create_followup,
    create_message,
    create_referral,
    utc,
)

HT, DM = "hypertension", "diabetes"


def _local(day: str, time: str = "09:00") -> str:
    return f"{day}T{time}:00+08:00"


@pytest.fixture
def county(app):
    """Township 青山 (two villages, ten residents) and a second township 河口 with one resident."""
    today = local_today()
    soon, overdue, lost = today + timedelta(days=30), today - timedelta(days=10), today - timedelta(days=100)
    qingshan = create_township(name="青山镇")
    east, west = create_village(qingshan, name="东村"), create_village(qingshan, name="西村")
    r = {n: create_resident(east if n <= 5 else west, name=f"居民{n}") for n in range(1, 11)}

    # R1 hypertension, enrolled before 2026: m = 12 → needs ceil(48/12) = 4; has 4 face-to-face,
    # latest controlled → standardized, controlled.
    e = create_enrollment(r[1], HT, date(2025, 3, 1), next_due_on=soon)
    for day in ("2026-02-10", "2026-05-10", "2026-08-10", "2026-11-10"):
        create_followup(e, _local(day))
    # R2 hypertension, enrolled in September: m = 9..12 = 4 → needs ceil(16/12) = 2; has 2 (home, clinic),
    # latest controlled → standardized, controlled.
    e = create_enrollment(r[2], HT, date(2026, 9, 10), next_due_on=soon)
    create_followup(e, _local("2026-09-15"), mode="home", classification="uncontrolled")
    create_followup(e, _local("2026-11-01"))
    # R3 hypertension, full year: needs 4; 2 clinic + 2 phone → only 2 face-to-face → not standardized;
    # latest uncontrolled → not controlled. Overdue by 10 days.
    e = create_enrollment(r[3], HT, date(2025, 1, 1), next_due_on=overdue)
    create_followup(e, _local("2026-03-01"))
    create_followup(e, _local("2026-06-01"), mode="phone")
    create_followup(e, _local("2026-09-01"), mode="phone")
    create_followup(e, _local("2026-11-15"), classification="uncontrolled")
    # R4 hypertension, closed 2026-06-15: m = 1..6 = 6 → needs ceil(24/12) = 2; has 2, latest controlled
    # → standardized, controlled. Its old due date is past, but a closed enrollment is never overdue.
    e = create_enrollment(r[4], HT, date(2024, 6, 1), closed_on=date(2026, 6, 15), next_due_on=lost)
    create_followup(e, _local("2026-01-10"))
    create_followup(e, _local("2026-04-10"))
    # R5 hypertension, enrolled in February: m = 2..12 = 11 → needs ceil(44/12) = 4; has 4 → standardized;
    # latest (home, 20 Nov) uncontrolled → not controlled.
    e = create_enrollment(r[5], HT, date(2026, 2, 1), next_due_on=soon)
    for day in ("2026-03-05", "2026-06-05", "2026-09-05"):
        create_followup(e, _local(day))
    create_followup(e, _local("2026-11-20"), mode="home", classification="uncontrolled")
    # R6 hypertension, closed in 2025: not managed in 2026.
    e = create_enrollment(r[6], HT, date(2025, 11, 1), closed_on=date(2025, 12, 20))
    create_followup(e, _local("2025-12-01"))
    # R8 hypertension, year boundaries in local time (UTC+8): 2025-12-31 23:59 local is 2025;
    # 2026-01-01 00:00 local (= 2025-12-31 16:00 UTC) is 2026; 2027-01-01 00:00 local is 2027.
    # In 2026: the midnight one, Apr, Jul, Oct = 4 face-to-face → standardized; the latest in 2026
    # is October's, controlled → controlled. (Counted in UTC it would have 3 and an uncontrolled latest.)
    e = create_enrollment(r[8], HT, date(2025, 5, 1), next_due_on=soon)
    create_followup(e, "2025-12-31T15:59:00Z", classification="uncontrolled")
    create_followup(e, "2025-12-31T16:00:00Z", classification="uncontrolled")
    for day in ("2026-04-01", "2026-07-01", "2026-10-01"):
        create_followup(e, _local(day))
    create_followup(e, "2026-12-31T16:00:00Z", classification="uncontrolled")
    # R1 diabetes too, enrolled September: needs 2; 1 clinic + 1 phone → not standardized;
    # latest (phone) uncontrolled → not controlled.
    e = create_enrollment(r[1], DM, date(2026, 9, 1), next_due_on=soon)
    create_followup(e, _local("2026-09-05"))
    create_followup(e, _local("2026-11-01"), mode="phone", classification="uncontrolled")
    # R9 diabetes, no follow-up in 2026: managed only. Lost: overdue by 100 days.
    create_enrollment(r[9], DM, date(2025, 1, 1), next_due_on=lost)
    # R10 diabetes, 15 Jan to 20 Mar: m = 1..3 = 3 → needs ceil(12/12) = 1; has 1 controlled
    # → standardized, controlled.
    e = create_enrollment(r[10], DM, date(2026, 1, 15), closed_on=date(2026, 3, 20))
    create_followup(e, _local("2026-02-01"))

    hekou = create_township(name="河口乡")
    other = create_resident(create_village(hekou), name="河口居民")
    e = create_enrollment(other, HT, date(2026, 1, 1), next_due_on=overdue)
    for day in ("2026-02-01", "2026-05-01", "2026-08-01", "2026-11-01"):
        create_followup(e, _local(day))

    hospital = create_facility()
    in_2026 = utc("2026-06-01T10:00:00+08:00")
    for status in ("pending", "pending", "completed"):
        create_referral(r[3], hospital, qingshan, status, in_2026)
    create_referral(r[3], hospital, qingshan, "pending", utc("2025-06-01T10:00:00+08:00"))
    create_referral(other, hospital, hekou, "declined", in_2026)
    for status in ("delivered", "delivered", "suppressed"):
        create_message(qingshan, status, in_2026)
    create_message(hekou, "failed", in_2026)
    return {"qingshan": qingshan, "hekou": hekou, "east": east, "west": west}


def test_township_indicators_match_the_hand_count(client, county):
    manager = create_user(Role.TOWNSHIP_MANAGER, township=county["qingshan"])
    response = api(client, "get", "/api/v1/reports/indicators?year=2026", manager)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["year"] == 2026
    assert body["township_id"] == str(county["qingshan"].id)
    # Hypertension: managed R1 R2 R3 R4 R5 R8 = 6; standardized all but R3 = 5; controlled R1 R2 R4 R8 = 4.
    # 5/6 = 0.83333… → 0.8333; 4/6 = 0.66666… → 0.6667. (Everyone here is 66: aged 35+.)
    assert body["hypertension"] == {
        "managed": 6,
        "expected": None,
        "management_rate": None,
        "standardized": 5,
        "standardized_management_rate": 0.8333,
        "controlled": 4,
        "control_rate": 0.6667,
        "health_checked": 0,
        "health_check_rate": 0,
        # Every one of them has a follow-up in 2026; none is complete (the first edition's fields).
        "latest_records": 6,
        "complete_records": 0,
        "complete_records_rate": 0,
    }
    # Diabetes: managed R1 R9 R10 = 3; standardized R10 = 1. Controlled (v2: the latest
    # face-to-face follow-up's values): R10, and R1, whose latest is a phone call (ignored) and
    # whose latest face-to-face one (5 Sep, glucose 6.1) meets the target = 2; 2/3 → 0.6667.
    assert body["diabetes"] == {
        "managed": 3,
        "expected": None,
        "management_rate": None,
        "standardized": 1,
        "standardized_management_rate": 0.3333,
        "controlled": 2,
        "control_rate": 0.6667,
        "health_checked": 0,
        "health_check_rate": 0,
        "latest_records": 2,  # R9 has none in 2026
        "complete_records": 0,
        "complete_records_rate": 0,
    }
    # Follow-ups in 2026 (local): R1 4 + R2 2 + R3 4 + R4 2 + R5 4 + R8 4 + R1-DM 2 + R10 1 = 23;
    # face-to-face: 4 + 2 + 2 + 2 + 4 + 4 + 1 + 1 = 20.
    assert body["followups"] == {"total": 23, "face_to_face": 20}
    # Active and past due today: R3 (10 days) and R9 (100 days, also lost); closed R4 is not counted.
    assert body["overdue"] == 2
    assert body["lost"] == 1
    assert body["referrals"] == {"pending": 2, "accepted": 0, "declined": 0, "completed": 1, "cancelled": 0}
    assert body["sms"]["delivered"] == 2
    assert body["sms"]["suppressed"] == 1
    assert body["sms"]["failed"] == 0


def test_county_admin_sees_the_county_or_one_township(client, county):
    admin = create_user(Role.COUNTY_ADMIN)
    whole = api(client, "get", "/api/v1/reports/indicators?year=2026", admin).json
    assert whole["township_id"] is None
    # The county adds 河口's resident: 4 face-to-face, latest controlled → 7 managed, 6 std, 5 controlled.
    assert whole["hypertension"]["managed"] == 7
    assert whole["hypertension"]["standardized"] == 6
    assert whole["hypertension"]["controlled"] == 5
    assert whole["hypertension"]["control_rate"] == 0.7143  # 5/7 = 0.714285…
    assert whole["referrals"]["declined"] == 1
    assert whole["sms"]["failed"] == 1
    hekou = api(
        client, "get", f"/api/v1/reports/indicators?year=2026&township_id={county['hekou'].id}", admin
    )
    assert hekou.json["hypertension"]["managed"] == 1
    # The township's statement is compiled once and cached; each township still gets its own figures.
    hits: list[bool] = []

    def cached(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("WITH spans"):
            hits.append(context.cache_hit is CACHE_HIT)

    event.listen(db.engine, "before_cursor_execute", cached)
    try:
        for township, managed in (("qingshan", 6), ("hekou", 1), ("qingshan", 6)):
            path = f"/api/v1/reports/indicators?year=2026&township_id={county[township].id}"
            assert api(client, "get", path, admin).json["hypertension"]["managed"] == managed, township
    finally:
        event.remove(db.engine, "before_cursor_execute", cached)
    assert hits == [True, True, True]
    assert hekou.json["diabetes"] == {
        "managed": 0,
        "expected": None,
        "management_rate": None,
        "standardized": 0,
        "standardized_management_rate": 0,
        "controlled": 0,
        "control_rate": 0,
        "health_checked": 0,
        "health_check_rate": 0,
        "latest_records": 0,
        "complete_records": 0,
        "complete_records_rate": 0,
    }


def test_a_year_without_anyone_managed_gives_zero_rates(client, county):
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=county["qingshan"])
    body = api(client, "get", "/api/v1/reports/indicators?year=2023", doctor).json
    assert body["hypertension"]["managed"] == 0
    assert body["hypertension"]["control_rate"] == 0
    assert body["followups"] == {"total": 0, "face_to_face": 0}


def test_the_year_defaults_to_this_local_year(client, county):
    manager = create_user(Role.TOWNSHIP_MANAGER, township=county["qingshan"])
    assert api(client, "get", "/api/v1/reports/indicators", manager).json["year"] == local_today().year


def test_who_may_read_reports(client, county):
    qingshan, hekou = county["qingshan"], county["hekou"]
    manager = create_user(Role.TOWNSHIP_MANAGER, township=qingshan)
    village_doctor = create_user(Role.VILLAGE_DOCTOR, township=qingshan, villages=[county["east"]])
    desk = create_user(Role.REFERRAL_DESK, facility=create_facility())
    admin = create_user(Role.COUNTY_ADMIN)
    for path in ("/api/v1/reports/indicators", "/api/v1/reports/coverage"):
        assert api(client, "get", f"{path}?township_id={hekou.id}", manager).status_code == 404
        assert api(client, "get", f"{path}?township_id={qingshan.id}", manager).status_code == 200
        assert api(client, "get", path, village_doctor).status_code == 403
        assert api(client, "get", path, desk).status_code == 403
        assert (
            api(client, "get", f"{path}?township_id=00000000-0000-0000-0000-000000000000", admin).status_code
            == 404
        )
        assert api(client, "get", f"{path}?township_id=nope", admin).status_code == 422
        assert api(client, "get", path).status_code == 401
    assert api(client, "get", "/api/v1/reports/indicators?year=12", admin).status_code == 422


def test_rates_round_half_up_to_four_places():
    assert rate(1, 32) == 0.0313  # 0.03125: half up, where round() would give 0.0312
    assert rate(2, 3) == 0.6667
    assert rate(1, 3) == 0.3333
    assert rate(3, 3) == 1.0
    assert rate(0, 0) == 0.0


def test_console_breakdowns_add_up(county):
    manager = create_user(Role.TOWNSHIP_MANAGER, township=county["qingshan"])
    villages = indicators_by_village(manager, None, 2026)
    assert [v["village"].name for v in villages] == ["东村", "西村"]
    east, west = villages
    # East holds R1-R5 (HT: R1 R2 R3 R4 R5 managed, std R1 R2 R4 R5, controlled R1 R2 R4);
    # west R6 (not managed), R8 (HT std, controlled), R9, R10 (DM).
    assert (east["hypertension"]["managed"], east["hypertension"]["standardized"]) == (5, 4)
    assert east["hypertension"]["controlled"] == 3
    assert (west["hypertension"]["managed"], west["hypertension"]["controlled"]) == (1, 1)
    assert (east["diabetes"]["managed"], west["diabetes"]["managed"]) == (1, 2)
    months = indicators_by_month(manager, None, 2026)
    assert sum(m["followups"] for m in months) == 23
    # January holds R8's local-midnight follow-up and R4's 10 Jan one.
    assert months[0]["followups"] == 2
    # November: R1 10th, R2 1st, R3 15th, R5 20th, R1-DM 1st (phone) = 5; face-to-face 4.
    assert (months[10]["followups"], months[10]["face_to_face"]) == (5, 4)
    assert months[8]["enrolled"] == 2  # R2 (HT) and R1 (DM) enrolled in September


def test_the_latest_followup_decides_control_and_a_tie_counts_if_one_is_controlled(client, app):
    township = create_township()
    village = create_village(township)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    early, tied = create_resident(village, name="甲"), create_resident(village, name="乙")
    # 甲: controlled in March, uncontrolled in May → the latest is uncontrolled.
    e = create_enrollment(early, HT, date(2025, 1, 1))
    create_followup(e, _local("2026-03-01"))
    create_followup(e, _local("2026-05-01"), classification="uncontrolled")
    # 乙: two follow-ups at the very same instant, one controlled → controlled.
    e = create_enrollment(tied, HT, date(2025, 1, 1))
    create_followup(e, _local("2026-04-01", "10:00"), classification="uncontrolled")
    create_followup(e, _local("2026-04-01", "10:00"))
    body = api(client, "get", "/api/v1/reports/indicators?year=2026", manager).json
    assert body["hypertension"]["managed"] == 2
    assert body["hypertension"]["controlled"] == 1
    assert body["hypertension"]["control_rate"] == 0.5
