"""测血压 and the health check on the phone (real Chromium, 360×640), and the phone's screening
results against the server's on every boundary."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.screenings.models import Screening
from fieldapp.screenings.rules import screening_results
from fieldapp.timeutil import local_today
from tests.builders import create_resident, create_township, create_user, create_village
from tests.field.conftest import PHONE, screenshot
from tests.field.helpers import sign_in_page
from tests.followups.builders import create_enrollment

pytestmark = pytest.mark.browser

RESULTS_JS = """async (cases) => {
  const { screeningResults } = await import("/static/field/js/screening.js");
  return cases.map(([sbp, dbp, glucose, enrolled]) => screeningResults(sbp, dbp, glucose, enrolled));
}"""


@pytest.fixture
def village_doctor(app: Flask) -> Any:
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    doctor = create_user(Role.VILLAGE_DOCTOR, username="cundoc", township=township, villages=[village])
    screened = create_resident(village, name="赵大山", birth_date=date(1975, 2, 3))
    managed = create_resident(village, name="钱桂花", sex="F", birth_date=date(1956, 8, 8))
    create_enrollment(managed, "hypertension", next_due_on=local_today() + timedelta(days=30))
    return doctor, screened, managed


SENT_JS = """() => document.body.dataset.sync === "idle"
  && !(document.getElementById("outbox-count") || {}).textContent"""


def _count(model: Any) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _reaches_server(model: Any, expected: int, seconds: float = 10.0) -> int:
    """The number of ``model`` rows once ``expected`` of them arrived, or when ``seconds`` ran out.

    The phone shows "idle" with an empty outbox badge for a moment after a save, before its
    outbox write and the send begin: what the doctor relies on is that the record arrives.
    """
    deadline = time.monotonic() + seconds
    while (count := _count(model)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def test_a_quick_screening_tells_the_doctor_what_to_say(app: Flask, phone: Any, village_doctor: Any) -> None:
    _doctor, screened, _managed = village_doctor
    page = phone.new_page()
    sign_in_page(page)
    page.goto(f"/field/#/resident/{screened.id}")
    page.get_by_role("link", name="测血压").click()
    page.get_by_label("收缩压 (mmHg)").fill("152")
    page.get_by_label("舒张压 (mmHg)").fill("88")
    panel = page.locator("#screening-result")
    expect(panel).to_contain_text("疑似高血压")
    expect(panel).to_contain_text("前到乡镇卫生院或县医院确诊")
    screenshot(page, "screening")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name=screened.name).wait_for()
    page.locator("body[data-sync='idle']").wait_for(state="attached")
    expect(page.locator("#screenings")).to_contain_text("疑似高血压")
    assert _reaches_server(Screening, 1) == 1
    page.goto("/field/#/checks")
    expect(page.locator("#screening-queue")).to_contain_text(screened.name)


def test_the_health_check_form_follows_the_national_sections(
    app: Flask, phone: Any, village_doctor: Any
) -> None:
    _doctor, _screened, managed = village_doctor
    page = phone.new_page()
    sign_in_page(page)
    page.goto("/field/#/checks")
    page.locator("#health-check-queue").get_by_role("link", name=managed.name).click()
    for section in ("一般状况", "脏器功能", "生活方式", "辅助检查", "健康评价"):
        expect(page.locator("legend", has_text=section)).to_be_visible()
    page.get_by_label("体重 (kg)").fill("61.5")
    page.get_by_label("身高 (cm)").fill("158")
    page.get_by_label("尿蛋白").select_option("trace")
    screenshot(page, "health-check")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name=managed.name).wait_for()
    # Sent, not merely idle: the attribute is idle too in the moment before the send starts.
    page.wait_for_function(SENT_JS)
    assert _reaches_server(HealthCheck, 1) == 1
    db.session.rollback()
    check = db.session.scalar(select(HealthCheck))
    assert check is not None and check.items == {
        "weight_kg": 61.5,
        "height_cm": 158,
        "urine_protein": "trace",
        "bmi": 24.6,
    }
    page.goto("/field/#/checks")
    expect(page.locator("#health-check-queue")).not_to_contain_text(managed.name)


def test_the_phone_gives_the_server_s_screening_results(app: Flask, phone: Any, village_doctor: Any) -> None:
    page = phone.new_page()
    sign_in_page(page)
    cases = [
        (sbp, dbp, glucose, enrolled)
        for sbp, dbp in ((139, 89), (140, 89), (130, 84), (129, 85), (129, 84), (139, 90), (None, None))
        for glucose in (None, 6.9, 7.0)
        for enrolled in ([], ["hypertension"], ["diabetes"], ["hypertension", "diabetes"])
    ]
    phone_results = page.evaluate(RESULTS_JS, cases)
    server_results = [[str(r) for r in screening_results(*case)] for case in cases]
    assert phone_results == server_results
    assert PHONE["width"] == 360
