"""The doctor's loop in Chromium at 360×640: a referral followed through, replies and opt-outs, the
overdue worked from the list, and a refusal fixed once (issue 11's journeys)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, Visit
from fieldapp.messaging.service import record_inbound
from fieldapp.org.models import Facility
from fieldapp.referrals.models import Referral
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today
from tests.builders import (
    api,
    create_facility,
    create_resident,
    create_township,
    create_user,
    create_village,
    id_number_for,
)
from tests.field.conftest import screenshot
from tests.field.helpers import sign_in_page
from tests.followups.builders import create_enrollment

pytestmark = pytest.mark.browser

PHONE = "+8613912340000"


@dataclass
class Village:
    doctor: User
    desk: User
    facility: Facility
    resident: Resident


@pytest.fixture
def village(app: Flask) -> Village:
    township = create_township(name="青山镇")
    place = create_village(township, name="东村")
    doctor = create_user(Role.VILLAGE_DOCTOR, username="cundoc", township=township, villages=[place])
    facility = create_facility(name="县人民医院")
    desk = create_user(Role.REFERRAL_DESK, facility=facility)
    resident = create_resident(place, name="王芳", sex="F", birth_date=date(1962, 4, 9), phone=PHONE)
    create_enrollment(resident, "hypertension", next_due_on=local_today() - timedelta(days=10))
    return Village(doctor=doctor, desk=desk, facility=facility, resident=resident)


def open_tab(page: Any, name: str) -> None:
    page.locator("#tabs").get_by_role("link", name=name).click()


def sync_now(page: Any) -> None:
    open_tab(page, "待发送")
    page.get_by_role("button", name="立即同步").click()
    page.locator("body[data-sync='idle']").wait_for(state="attached")
    page.get_by_text("没有待发送的记录").wait_for()


def count(model: type, *where: Any) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_an_emergency_referral_made_offline_comes_back_accepted_with_its_appointment(
    app: Flask, phone: Any, village: Village
) -> None:
    page = phone.new_page()
    sign_in_page(page)
    phone.set_offline(True)
    open_tab(page, "今日")
    page.locator("#queue").get_by_role("link", name="王芳").click()
    page.get_by_label("收缩压 (mmHg)").fill("190")
    page.get_by_label("舒张压 (mmHg)").fill("115")
    expect(page.locator("#assessment")).not_to_contain_text("null")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("随访已保存。请填写转诊单。").wait_for()
    page.get_by_label("急诊（15分钟内接收）").check()
    page.get_by_label("初步印象").fill("高血压急症？")
    page.get_by_label("已给予的治疗").fill("卧床休息")
    page.get_by_role("button", name="保存转诊").click()
    page.get_by_text("已保存，有网络时自动上传。").wait_for()
    expect(page.locator("article.referral")).to_contain_text("待同步")
    screenshot(page, "referral-offline")

    phone.set_offline(False)
    sync_now(page)
    referral = db.session.scalars(select(Referral)).one()
    assert (referral.urgency, referral.impression, referral.treatment_given) == (
        "emergency",
        "高血压急症？",
        "卧床休息",
    )
    client = app.test_client()
    accepted = api(
        client,
        "post",
        f"/api/v1/referrals/{referral.id}/accept",
        village.desk,
        json={"appointment_at": "2030-01-05T09:30:00+08:00", "note": "请带既往病历"},
    )
    assert accepted.status_code == 200, accepted.json

    sync_now(page)
    page.goto(f"/field/#/referrals/{village.resident.id}?referral={referral.id}")
    card = page.locator(f"#referral-{referral.id}")
    expect(card).to_have_attribute("data-status", "accepted")
    expect(card).to_contain_text("已接收")
    expect(card).to_contain_text("2030-01-05 09:30")
    expect(card).to_contain_text("请带既往病历")
    screenshot(page, "referral-accepted")
    page.goto(f"/field/#/resident/{village.resident.id}")
    expect(page.locator("#referral-summary")).to_contain_text(
        "急诊（15分钟内接收） · 已接收 · 预约 2030-01-05 09:30"
    )


def test_a_reply_and_an_opt_out_reach_the_phone(app: Flask, phone: Any, village: Village) -> None:
    page = phone.new_page()
    sign_in_page(page)
    record_inbound({"MessageSid": "SMreply1", "From": PHONE, "Body": "头晕得厉害，明天能来看看吗"})
    record_inbound({"MessageSid": "SMreply2", "From": PHONE, "Body": "TD"})
    sync_now(page)
    expect(page.locator("#replies-count")).to_have_text("1")
    page.goto(f"/field/#/resident/{village.resident.id}")
    expect(page.locator("#replies")).to_contain_text("头晕得厉害，明天能来看看吗")
    expect(page.locator("#unread-replies")).to_have_text("1条未读")
    expect(page.locator("dl.facts")).to_contain_text("已退订短信")
    screenshot(page, "replies")
    page.get_by_role("button", name="标为已读").click()
    expect(page.locator("#replies-count")).to_have_text("")
    db.session.rollback()
    assert api(app.test_client(), "get", "/api/v1/replies?unread=true", village.doctor).json["total"] == 0


def test_an_overdue_call_recorded_as_moved_takes_the_resident_off_the_list(
    app: Flask, phone: Any, village: Village
) -> None:
    page = phone.new_page()
    sign_in_page(page)
    row = page.locator("#queue li", has_text="王芳")
    expect(row.get_by_role("link", name="打电话")).to_have_attribute("href", f"tel:{PHONE}")
    screenshot(page, "overdue-call")
    row.get_by_role("button", name="记录结果").click()
    row.get_by_role("button", name="已迁出").click()
    page.get_by_text("已保存，有网络时自动上传。").wait_for()
    expect(page.locator("#queue li", has_text="王芳")).to_have_count(0)
    sync_now(page)
    assert count(Enrollment, Enrollment.status == "closed", Enrollment.close_reason == "moved") == 1
    open_tab(page, "今日")
    expect(page.locator(".counts .late strong")).to_have_text("0")
    expect(page.locator("#queue li", has_text="王芳")).to_have_count(0)


def test_a_resident_refused_for_a_check_digit_is_fixed_once_and_what_followed_goes_too(
    app: Flask, phone: Any, village: Village
) -> None:
    page = phone.new_page()
    sign_in_page(page)
    phone.set_offline(True)
    good = id_number_for(date(1958, 3, 4))
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    open_tab(page, "居民")
    page.get_by_role("link", name="新建居民").click()
    page.get_by_label("姓名").fill("李明")
    page.get_by_label("女", exact=True).check()
    page.get_by_label("出生日期").fill("1958-03-04")
    page.get_by_label("身份证号").fill(bad)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id-number-note")).to_contain_text("校验位不对")
    # The card may be misprinted: saving again keeps it as typed; the server decides.
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name="李明").wait_for()
    page.get_by_role("link", name="纳入管理").click()
    page.get_by_label("确诊日期").fill("2020-02-02")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name="李明").wait_for()
    page.get_by_role("link", name="记录走访").click()
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name="李明").wait_for()

    phone.set_offline(False)
    open_tab(page, "待发送")
    page.get_by_role("button", name="立即同步").click()
    resident_entry = page.locator("#outbox li", has_text="居民 · 李明")
    expect(resident_entry).to_contain_text("被拒收")
    expect(page.locator("#outbox li.blocked")).to_have_count(2)
    screenshot(page, "refused-blocked")
    assert count(Resident, Resident.name == "李明") == 0

    resident_entry.get_by_role("link", name="修改").click()
    page.get_by_label("身份证号").fill(good)
    page.get_by_role("button", name="保存").click()
    open_tab(page, "待发送")
    page.get_by_text("没有待发送的记录").wait_for()
    resident = db.session.scalars(select(Resident).where(Resident.name == "李明")).one()
    assert count(Enrollment, Enrollment.resident_id == resident.id) == 1
    assert count(Visit, Visit.resident_id == resident.id) == 1
