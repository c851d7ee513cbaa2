"""Settling records offline in real Chromium at 360×640: a suspected screening confirmed and a
family-doctor contract terminated with no network, each reaching the server once when it returns."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldapp.auth.models import Role, User
from fieldapp.contracts.models import Contract
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.screenings.models import Screening
from fieldapp.timeutil import local_today, utcnow
from tests.builders import create_resident, create_township, create_user, create_village
from tests.contracts.builders import create_contract, create_team
from tests.field.conftest import screenshot
from tests.field.helpers import sign_in_page

pytestmark = pytest.mark.browser

SENT_JS = """() => document.body.dataset.sync === "idle"
  && !(document.getElementById("outbox-count") || {}).textContent"""


@pytest.fixture
def village(app: Flask) -> Any:
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    create_user(Role.VILLAGE_DOCTOR, username="cundoc", township=township, villages=[village])
    return village


def _count(model: Any, *where: Any) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_suspected_screening_confirmed_offline_enrolls_once(app: Flask, phone: Any, village: Any) -> None:
    resident = create_resident(village, name="赵大山", birth_date=date(1975, 2, 3))
    screening = Screening(
        resident_id=resident.id,
        village_id=village.id,
        performed_at=utcnow() - timedelta(days=3),
        sbp=152,
        dbp=94,
        results=["suspected_hypertension"],
        confirm_by=local_today() + timedelta(days=11),
        status="open",
        outcomes={},
    )
    db.session.add(screening)
    db.session.commit()
    page = phone.new_page()
    sign_in_page(page)  # the area, this screening included, is on the phone
    page.goto(f"/field/#/resident/{resident.id}")
    expect(page.locator("#screenings")).to_contain_text("疑似高血压")

    phone.set_offline(True)
    page.locator("#screenings").get_by_role("link", name="确诊随访").click()
    page.get_by_role("heading", name="高血压").wait_for()
    expect(page.get_by_label("确诊或排除日期")).to_have_value(local_today().isoformat())
    screenshot(page, "screening-outcome-offline")
    page.get_by_role("button", name="已确诊，纳入管理").click()
    page.get_by_role("heading", name=resident.name).wait_for()
    expect(page.get_by_text("已确诊：同步后纳入管理。")).to_be_visible()
    expect(page.locator("#screenings")).to_contain_text("高血压已确诊，等待同步")
    # The enrollment shows already, to be followed up offline; the link to confirm is gone.
    enrollments = page.locator("ul.list").filter(has_text="下次随访")
    expect(enrollments).to_contain_text("高血压")
    expect(page.locator("#screenings").get_by_role("link", name="确诊随访")).to_have_count(0)
    screenshot(page, "screening-confirmed-offline")
    assert _count(Enrollment) == 0

    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function(SENT_JS)
    assert _count(Enrollment, Enrollment.resident_id == resident.id) == 1
    db.session.rollback()
    assert db.session.get(Screening, screening.id).status == "closed"
    page.reload()
    page.get_by_role("heading", name=resident.name).wait_for()
    expect(page.locator("#screenings")).not_to_contain_text("等待同步")
    expect(page.locator("#screenings").get_by_role("link", name="确诊随访")).to_have_count(0)
    # Sent again (a lost answer) it changes nothing.
    page.evaluate("async () => (await import('/static/field/js/sync.js')).syncNow()")
    page.wait_for_function(SENT_JS)
    assert _count(Enrollment) == 1


def test_a_contract_terminated_offline_shows_terminated_after_sync(
    app: Flask, phone: Any, village: Any
) -> None:
    resident = create_resident(village, name="王芳", sex="F", birth_date=date(1950, 4, 9))
    contract = create_contract(
        resident, create_team(village.township, name="青山一队"), local_today() - timedelta(days=40)
    )
    page = phone.new_page()
    sign_in_page(page)
    page.goto(f"/field/#/resident/{resident.id}")
    page.locator("#contract").get_by_text("青山一队").wait_for()

    phone.set_offline(True)
    page.locator("#contract").get_by_role("link", name="解约").click()
    page.get_by_label("解约原因").fill("迁出本村")
    expect(page.get_by_label("解约日期")).to_have_value(local_today().isoformat())
    screenshot(page, "contract-termination-offline")
    page.get_by_role("button", name="解约").click()
    page.get_by_role("heading", name=resident.name).wait_for()
    expect(page.locator("#contract")).to_contain_text(
        f"已在本机解约（{local_today().isoformat()}），等待同步"
    )
    expect(page.locator("#contract").get_by_role("link", name="解约")).to_have_count(0)
    screenshot(page, "contract-terminated-waiting")
    db.session.rollback()
    assert db.session.get(Contract, contract.id).terminated_on is None

    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function(SENT_JS)
    db.session.rollback()
    stored = db.session.get(Contract, contract.id)
    assert (stored.terminated_on, stored.termination_reason) == (local_today(), "迁出本村")
    page.reload()
    terminated = page.locator("#contract-terminated")
    expect(terminated).to_contain_text("已解约")
    expect(terminated).to_contain_text("青山一队")
    expect(terminated).to_contain_text("迁出本村")
    expect(page.locator("#contract")).not_to_contain_text("等待同步")
    screenshot(page, "contract-terminated")


def test_a_follow_up_in_the_history_prints_as_the_national_record(
    app: Flask, phone: Any, village: Any
) -> None:
    from fieldapp.followups.schemas import FollowUpSchema
    from fieldapp.followups.service import record_followup
    from tests.followups.builders import create_enrollment, followup_body

    resident = create_resident(village, name="孙小红", sex="F", birth_date=date(1960, 5, 6))
    create_enrollment(resident)
    doctor = db.session.scalar(select(User).where(User.username == "cundoc"))
    followup, _created = record_followup(
        doctor, FollowUpSchema().load(followup_body(resident, sbp=136, dbp=84))
    )
    page = phone.new_page()
    sign_in_page(page)
    page.goto(f"/field/#/resident/{resident.id}")
    with page.expect_popup() as opened:
        page.get_by_role("link", name="打印").click()
    record = opened.value
    record.wait_for_load_state()
    assert f"followup={followup.id}" in record.url
    expect(record.locator("table.record-form")).to_have_count(1)
    expect(record.locator("table.record-form")).to_contain_text("136")
    expect(record.get_by_role("link", name=f"← {resident.name}")).to_have_attribute(
        "href", f"/field/#/resident/{resident.id}"
    )
    screenshot(record, "followup-print")
