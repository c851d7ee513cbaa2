"""The national follow-up form on a 360×640 phone: prefilled from the last visit, completed offline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import FollowUp
from fieldapp.followups.schemas import FollowUpSchema
from fieldapp.followups.service import record_followup
from fieldapp.timeutil import local_today, utcnow
from tests.builders import create_resident, create_township, create_user, create_village
from tests.field.conftest import screenshot
from tests.field.helpers import sign_in_page
from tests.followups.builders import create_enrollment, full_form, iso

pytestmark = pytest.mark.browser


def test_a_complete_follow_up_prefilled_from_the_last_one_is_recorded_offline(app: Flask, phone: Any) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, username="cundoc", township=township, villages=[village])
    resident = create_resident(village, name="王芳", sex="F", birth_date=date(1962, 4, 9))
    create_enrollment(resident, "hypertension", next_due_on=local_today() - timedelta(days=2))
    before = {
        "resident_id": str(resident.id),
        "condition": "hypertension",
        "performed_at": iso(utcnow() - timedelta(days=92)),
        "mode": "clinic",
        "sbp": 132,
        "dbp": 84,
        **full_form("hypertension"),
    }
    record_followup(doctor, FollowUpSchema().load(before))

    page = phone.new_page()
    sign_in_page(page)
    phone.set_offline(True)
    page.locator("#tabs").get_by_role("link", name="今日").click()
    page.locator("#queue").get_by_role("link", name="王芳").click()

    assert "132/84 mmHg" in page.locator("#last-reading").inner_text()
    # Medicines, targets and lifestyle come from the last visit.
    assert page.locator("[name=med_name]").input_value() == "氨氯地平"
    assert page.locator("[name='lifestyle.salt.target']").input_value() == "light"
    assert page.locator("[name='lifestyle.exercise_minutes.now']").input_value() == "20"
    missing = page.locator("#missing")
    assert "尚未填写" in missing.inner_text()

    page.get_by_label("无症状").check()
    page.get_by_label("收缩压 (mmHg)").fill("128")
    page.get_by_label("舒张压 (mmHg)").fill("78")
    page.get_by_label("体重 (kg)", exact=True).fill("66")
    page.get_by_label("心率 (/min)").fill("70")
    for group in ("心理调整", "遵医行为"):
        page.get_by_role("group", name=group).get_by_label("良好").check()
    page.get_by_role("group", name="服药依从性").get_by_label("规律").check()
    assert missing.inner_text() == "随访表各项已填全。"
    assert "控制满意" in page.locator("#assessment").inner_text()
    screenshot(page, "followup-national-form")
    # Every tap target of the form is big enough for a thumb.
    small = page.evaluate(
        """() => [...document.querySelectorAll('form input[type=checkbox], form input[type=radio], form button')]
          .map((el) => el.closest('label') || el).filter((el) => el.getBoundingClientRect().height < 24).length"""
    )
    assert small == 0
    page.get_by_role("button", name="保存").click()
    page.locator("#queue li.done").wait_for()

    phone.set_offline(False)
    page.locator("#tabs").get_by_role("link", name="待发送").click()
    page.get_by_text("没有待发送的记录").wait_for()
    db.session.rollback()
    stored = db.session.scalars(select(FollowUp).order_by(FollowUp.performed_at.desc())).first()
    assert stored is not None
    assert (stored.sbp, stored.dbp, stored.complete, stored.missing_items) == (128, 78, True, [])
    assert stored.medications == [{"name": "氨氯地平", "times_per_day": 1, "dose": "5mg"}]
    assert stored.record["lifestyle"]["salt"] == {"now": "heavy", "target": "light"}
