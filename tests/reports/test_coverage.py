from datetime import date, timedelta

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.patrols.models import Patrol
from fieldapp.reports.service import doctor_work
from fieldapp.timeutil import local_today, utcnow
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.reports.builders import create_enrollment, create_followup, create_visit, utc


def test_blank_spots_are_villages_without_any_visit_in_30_days(client, app):
    township = create_township()
    visited = create_village(township, code="A1", name="东村")
    stale = create_village(township, code="A2", name="西村")
    never = create_village(township, code="A3", name="南湾村")
    create_village(create_township(), code="B1")
    now = utcnow()
    create_visit(visited, now - timedelta(days=29, hours=23), purpose="patrol")
    create_visit(visited, now - timedelta(days=2), purpose="household")
    create_visit(stale, now - timedelta(days=30, minutes=1), purpose="education")
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)

    response = api(client, "get", "/api/v1/reports/coverage", manager)
    assert response.status_code == 200, response.json
    rows = {row["village"]["code"]: row for row in response.json["villages"]}
    assert list(rows) == ["A1", "A2", "A3"]
    assert rows["A1"]["visits_30d"] == 2
    assert rows["A1"]["blank_spot"] is False
    assert rows["A1"]["last_visit_at"].endswith("+08:00")
    assert rows["A2"]["visits_30d"] == 0
    assert rows["A2"]["blank_spot"] is True
    assert rows["A2"]["last_visit_at"] is not None
    assert rows["A3"] == {
        "village": {
            "id": str(never.id),
            "code": "A3",
            "name": "南湾村",
            "township_id": str(township.id),
            "division_code": never.division_code,
        },
        "last_visit_at": None,
        "visits_30d": 0,
        "patrol_visits_30d": 0,
        "blank_spot": True,
    }
    assert rows["A1"]["patrol_visits_30d"] == 1
    admin = create_user(Role.COUNTY_ADMIN)
    assert len(api(client, "get", "/api/v1/reports/coverage", admin).json["villages"]) == 4


def test_doctor_work_counts_by_month_and_overdue_share(app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    today = local_today()
    residents = [create_resident(village, name=f"居民{n}") for n in range(3)]
    overdue = create_enrollment(
        residents[0], "hypertension", date(2025, 1, 1), next_due_on=today - timedelta(days=1)
    )
    create_enrollment(residents[1], "hypertension", date(2025, 1, 1), next_due_on=today + timedelta(days=5))
    create_enrollment(residents[2], "diabetes", date(2025, 1, 1), next_due_on=today)
    for at in ("2026-03-02T10:00:00+08:00", "2026-03-20T10:00:00+08:00", "2026-05-01T00:30:00+08:00"):
        create_followup(overdue, at).performed_by = doctor.id
    create_visit(village, utc("2026-06-01T09:00:00+08:00")).performed_by = doctor.id
    db.session.commit()

    work = {row["doctor"].id: row for row in doctor_work(manager, None, 2026)}
    mine = work[doctor.id]
    assert mine["active_enrollments"] == 3
    assert mine["overdue"] == 1
    assert mine["overdue_share"] == 0.3333
    assert mine["months"][2]["followups"] == 2
    assert mine["months"][4]["followups"] == 1  # 1 May 00:30 local is May, though 30 April in UTC
    assert mine["months"][5]["visits"] == 1
    assert work[manager.id]["active_enrollments"] == 0
    assert work[manager.id]["overdue_share"] == 0.0


def test_visits_during_a_stationing_count_as_patrol_visits(client, app):
    township = create_township()
    village = create_village(township, code="S1")
    today = local_today()
    db.session.add(
        Patrol(
            village_id=village.id,
            township_id=township.id,
            kind="stationing",
            date=today - timedelta(days=10),
            until=today - timedelta(days=3),
            team=[],
        )
    )
    db.session.commit()
    now = utcnow()
    create_visit(village, now - timedelta(days=5), purpose="household")  # during the stationing
    create_visit(village, now - timedelta(days=12), purpose="household")  # before it
    create_visit(village, now - timedelta(hours=1), purpose="followup")  # after it
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    [row] = api(client, "get", "/api/v1/reports/coverage", manager).json["villages"]
    assert (row["visits_30d"], row["patrol_visits_30d"]) == (3, 1)
