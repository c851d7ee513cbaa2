"""The resident page's follow-ups in full, and the printable national form of a year."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.items import ITEMS
from fieldapp.followups.models import FollowUp
from fieldapp.followups.schemas import FollowUpSchema
from fieldapp.followups.service import record_followup
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_date, local_zone, utcnow
from tests.builders import PASSWORD, create_resident, create_township, create_user, create_village
from tests.console.conftest import screenshot
from tests.console.helpers import sign_in
from tests.followups.builders import create_enrollment, full_form, iso


def _two_followups(resident: Resident, doctor: Any) -> None:
    create_enrollment(resident, "diabetes")
    for days, extra in (
        (40, {}),
        (10, {"symptoms": ["polyuria", "blurred_vision"], "other_signs": "足部皮肤干燥"}),
    ):
        body = {
            "resident_id": str(resident.id),
            "condition": "diabetes",
            "performed_at": iso(utcnow() - timedelta(days=days)),
            "mode": "clinic",
            "sbp": 132,
            "dbp": 82,
            "fasting_glucose": 6.4,
            **full_form("diabetes"),
            **extra,
        }
        record_followup(doctor, FollowUpSchema().load(body))


@pytest.fixture
def setting(app: Flask) -> dict[str, Any]:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    resident = create_resident(village, name="赵敏")
    _two_followups(resident, doctor)
    return {
        "manager": manager,
        "resident": resident,
        "township": township,
        "doctor": doctor,
        "village": village,
    }


def resident_followups(resident: Resident) -> list[FollowUp]:
    return list(db.session.scalars(select(FollowUp).where(FollowUp.resident_id == resident.id)))


def test_the_printable_record_shows_every_item_of_both_follow_ups(
    client: FlaskClient, setting: dict[str, Any]
) -> None:
    sign_in(client, setting["manager"], lang="zh")
    resident = setting["resident"]
    year = local_date(utcnow() - timedelta(days=10)).year
    page = client.get(f"/console/residents/{resident.id}/record?year={year}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2型糖尿病患者随访服务记录表" in html
    assert resident.record_number in html
    for item in ITEMS:
        if "diabetes" in item.conditions:
            assert f'data-item="{item.name}"' in html, item.name
    # Both visits' columns: the values of each.
    assert html.count("二甲双胍 2次/日 0.5g") == 2
    assert "视力模糊、多尿" in html and "无症状" in html
    assert "左 触及正常 · 右 减弱" in html
    assert "400 克/天 / 300 克/天" in html
    assert "门冬胰岛素 · 每日2次，每次8单位" in html
    assert "@media print" not in html  # the print rules live in the stylesheet
    empty = client.get(f"/console/residents/{resident.id}/record?year=1999").get_data(as_text=True)
    assert "1999年无随访记录" in empty
    assert client.get(f"/console/residents/{resident.id}/record?year=abc").status_code == 422


def test_the_record_is_only_for_the_residents_area(client: FlaskClient, setting: dict[str, Any]) -> None:
    other = create_user(Role.TOWNSHIP_MANAGER, township=create_township())
    sign_in(client, other)
    assert client.get(f"/console/residents/{setting['resident'].id}/record").status_code == 404
    # A village doctor reads the record of their own villages' residents only.
    doctor = create_user(Role.VILLAGE_DOCTOR, township=setting["township"])
    sign_in(client, doctor)
    assert client.get(f"/console/residents/{setting['resident'].id}/record").status_code == 404
    # The rest of the console stays closed to doctors.
    assert client.get(f"/console/residents/{setting['resident'].id}").status_code == 403


def test_the_field_app_prints_one_follow_up_for_its_doctor(
    client: FlaskClient, setting: dict[str, Any]
) -> None:
    resident = setting["resident"]
    followups = sorted(resident_followups(resident), key=lambda f: f.performed_at)
    sign_in(client, setting["doctor"], lang="zh")
    page = client.get(f"/console/residents/{resident.id}/record?followup={followups[-1].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2型糖尿病患者随访服务记录表" in html and resident.record_number in html
    # That one visit's column: its own values, not the other visit's.
    assert html.count("二甲双胍 2次/日 0.5g") == 1
    assert "视力模糊、多尿" in html and "无症状" not in html
    assert (followups[-1].performed_at.astimezone(local_zone()).date().isoformat()) in html
    assert f"/field/#/resident/{resident.id}" in html  # back to the phone, not to the console
    assert 'class="brand" href="/field/"' in html
    other = create_resident(setting["village"])
    assert client.get(f"/console/residents/{other.id}/record?followup={followups[-1].id}").status_code == 404
    assert client.get(f"/console/residents/{resident.id}/record?followup=nope").status_code == 404


def test_the_resident_page_shows_each_follow_up_in_full(client: FlaskClient, setting: dict[str, Any]) -> None:
    sign_in(client, setting["manager"], lang="zh")
    html = client.get(f"/console/residents/{setting['resident'].id}").get_data(as_text=True)
    assert html.count('class="followup-record card"') == 2
    assert "足部皮肤干燥" in html
    assert len(re.findall(r"完整", html)) >= 2
    assert "打印" in html


@pytest.mark.browser
def test_the_printable_record_in_chromium(setting: dict[str, Any], browser_context: Any) -> None:
    page = browser_context.new_page()
    page.goto("/login?next=/console/")
    page.get_by_label("用户名").fill(setting["manager"].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/**")
    year = local_date(utcnow() - timedelta(days=10)).year
    page.goto(f"/console/residents/{setting['resident'].id}/record?year={year}")
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    assert page.locator("table.record-form").count() == 1
    screenshot(page, "printable-record")
