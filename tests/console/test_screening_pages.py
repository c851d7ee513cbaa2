"""The console's v2 pages: a resident's screenings and health checks, the printable health check,
the screening and health-check queues, and the expected-figures form."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.org.models import Township
from fieldapp.timeutil import local_today
from tests.builders import create_resident, create_township, create_user, create_village
from tests.console.builders import create_enrollment
from tests.console.helpers import post_form, sign_in
from tests.reports.builders import create_screening


def _place():
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    resident = create_resident(village, name="王秀兰")
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    return township, village, resident, manager


def test_the_resident_page_lists_screenings_and_printable_health_checks(
    client: FlaskClient, app: object
) -> None:
    _township, _village, resident, manager = _place()
    create_screening(resident, "2026-11-01T09:00:00+08:00", ["suspected_hypertension"])
    check = HealthCheck(
        resident_id=resident.id,
        performed_on=date(2026, 3, 15),
        items={
            "sbp_left": 142,
            "dbp_left": 88,
            "urine_protein": "trace",
            "conclusion": "abnormal",
            "bmi": 25.7,
        },
    )
    db.session.add(check)
    db.session.commit()
    sign_in(client, manager, lang="zh")
    page = client.get(f"/console/residents/{resident.id}").get_data(as_text=True)
    assert "疑似高血压" in page
    assert "142/88" in page
    assert f"/console/health-checks/{check.id}/print" in page
    printed = client.get(f"/console/health-checks/{check.id}/print")
    assert printed.status_code == 200
    text = printed.get_data(as_text=True)
    for words in (
        "一般状况",
        "脏器功能",
        "生活方式",
        "辅助检查",
        "健康评价",
        "微量（±）",
        "142 mmHg",
        "25.7",
    ):
        assert words in text, words
    # Another township's manager cannot read it.
    elsewhere = create_user(Role.TOWNSHIP_MANAGER, township=create_township(name="河口乡"))
    sign_in(client, elsewhere)
    assert client.get(f"/console/health-checks/{check.id}/print").status_code == 404


def test_the_queue_page_shows_the_screening_and_health_check_queues(client: FlaskClient, app: object) -> None:
    _township, _village, resident, manager = _place()
    create_screening(resident, "2026-11-01T09:00:00+08:00", ["suspected_diabetes"])
    managed = create_resident(_village, name="李建国")
    create_enrollment(managed, enrolled_on=date(2025, 1, 1))
    sign_in(client, manager)
    screening = client.get("/console/queue?status=screening").get_data(as_text=True)
    assert "王秀兰" in screening and "李建国" not in screening
    checks = client.get("/console/queue?status=health_check").get_data(as_text=True)
    assert "李建国" in checks and "王秀兰" not in checks
    db.session.add(HealthCheck(resident_id=managed.id, performed_on=local_today(), items={}))
    db.session.commit()
    assert "李建国" not in client.get("/console/queue?status=health_check").get_data(as_text=True)


def test_the_county_admin_sets_expected_figures(client: FlaskClient, app: object) -> None:
    township = create_township(name="青山镇")
    admin = create_user(Role.COUNTY_ADMIN)
    sign_in(client, admin)
    path = f"/console/admin/townships/{township.id}/expected"
    response = post_form(client, path, {"expected_hypertension": "1200", "expected_diabetes": ""})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Township, township.id)
    assert (saved.expected_hypertension, saved.expected_diabetes) == (1200, None)
    post_form(client, path, {"expected_hypertension": "-5", "expected_diabetes": "300"})
    db.session.expire_all()
    assert db.session.get(Township, township.id).expected_hypertension == 1200  # refused, nothing changed
    page = client.get("/console/admin/org").get_data(as_text=True)
    assert 'value="1200"' in page
