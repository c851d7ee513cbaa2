"""Two journeys in Chromium: a manager finds an overdue resident and plans a patrol; the desk
accepts an emergency referral before its deadline and completes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import Visit
from fieldapp.messaging.models import PushSubscription
from fieldapp.patrols.models import Patrol
from fieldapp.referrals.models import Referral
from fieldapp.timeutil import local_today, utcnow
from tests.builders import (
    PASSWORD,
    create_facility,
    create_resident,
    create_township,
    create_user,
    create_village,
)
from tests.console.builders import create_enrollment, create_followup, create_referral_row
from tests.console.conftest import screenshot
from tests.console.test_access_and_queries import ADMIN_PAGES, MANAGER_PAGES, populate

pytestmark = pytest.mark.browser

FAKE_PUSH_SERVICE = """
PushManager.prototype.subscribe = function () {
  var b64 = function (n) { return btoa(String.fromCharCode.apply(null, new Uint8Array(n).fill(4)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""); };
  return Promise.resolve({ toJSON: function () {
    return { endpoint: "https://push.example.test/desk-1", keys: { p256dh: b64(65), auth: b64(16) } };
  } });
};
PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
"""


def sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_manager_finds_an_overdue_resident_and_plans_a_patrol(browser_context: Any, app: object) -> None:
    township = create_township(name="青山镇")
    east, west = create_village(township, name="东村"), create_village(township, name="西村")
    doctor = create_user(Role.VILLAGE_DOCTOR, username="sun", township=township, villages=[east])
    doctor.name = "孙医生"
    create_user(Role.TOWNSHIP_MANAGER, username="zhao", township=township)
    overdue = create_resident(west, name="王秀英")
    enrollment = create_enrollment(overdue, next_due_on=local_today() - timedelta(days=21))
    create_followup(
        enrollment, datetime(2026, 8, 2, 2, tzinfo=UTC), sbp=162, dbp=98, classification="uncontrolled"
    )
    create_enrollment(create_resident(east, name="李强"), next_due_on=local_today() + timedelta(days=40))
    db.session.add(Visit(village_id=east.id, visited_at=utcnow() - timedelta(days=3), purpose="household"))
    db.session.commit()

    page = browser_context.new_page()
    sign_in(page, "zhao")
    page.wait_for_url("**/console/queue")
    screenshot(page, "01-queue", phone=True)
    row = page.locator("#queue tbody tr", has_text="王秀英")
    assert "21" in row.inner_text() and "西村" in row.inner_text()
    assert page.locator("#queue", has_text="李强").count() == 0

    row.get_by_role("link", name="王秀英").click()
    page.wait_for_url(f"**/console/residents/{overdue.id}")
    assert page.get_by_text("162/98").is_visible()
    screenshot(page, "02-resident")

    page.get_by_role("link", name="覆盖").click()
    blank = page.locator("tr", has_text="西村")
    assert "空白点" in blank.inner_text()
    screenshot(page, "03-coverage")
    blank.get_by_role("link", name="安排巡诊").click()
    page.wait_for_url("**/console/patrols?village_id=*")
    assert page.locator("#p-village").input_value() == str(west.id)
    day = local_today() + timedelta(days=2)
    page.fill("#p-date", day.isoformat())
    page.get_by_label("孙医生").check()
    page.fill("#p-note", "带上血压计")
    screenshot(page, "04-plan-patrol")
    page.get_by_role("button", name="安排", exact=True).click()
    page.wait_for_url("**/console/patrols")
    assert page.get_by_text("巡诊已安排。").is_visible()
    listed = page.locator("#patrol-list tbody tr", has_text="带上血压计")
    assert "西村" in listed.inner_text() and "孙医生" in listed.inner_text()
    screenshot(page, "05-patrol-planned", phone=True)

    db.session.expire_all()
    patrol = db.session.query(Patrol).one()
    assert (patrol.village_id, patrol.date, patrol.team) == (west.id, day, [str(doctor.id)])


def test_desk_accepts_an_emergency_before_its_deadline(browser_context: Any, app: object) -> None:
    hospital = create_facility(name="县人民医院")
    township = create_township(name="河口乡")
    resident = create_resident(create_village(township, name="石桥村"), name="赵建国")
    create_enrollment(resident)
    desk = create_user(Role.REFERRAL_DESK, username="desk", facility=hospital)
    doctor = create_user(Role.VILLAGE_DOCTOR, username="liu", phone="+8613912345678", township=township)
    doctor.name = "刘医生"
    create_referral_row(resident, hospital.id, "routine", created_at=utcnow() - timedelta(hours=3))
    emergency = create_referral_row(
        resident, hospital.id, "emergency", reason="血压 200/120，胸痛", referred_by=doctor.id
    )

    # Headless Chromium has no push service to talk to: stand in for it with a fixed subscription.
    browser_context.grant_permissions(["notifications"])
    browser_context.add_init_script(FAKE_PUSH_SERVICE)
    page = browser_context.new_page()
    sign_in(page, "desk")
    page.wait_for_url("**/console/desk")
    cards = page.locator("#pending article")
    assert emergency.reference in cards.first.inner_text()  # the emergency comes first
    clock = cards.first.locator(".countdown")
    page.wait_for_function("el => el.textContent.includes('剩余')", arg=clock.element_handle())
    first = clock.inner_text()
    page.wait_for_function("([el, t]) => el.textContent !== t", arg=[clock.element_handle(), first])
    minutes = int(clock.inner_text().split(":")[0])
    assert 13 <= minutes <= 14  # counts down from the 15-minute window
    screenshot(page, "06-desk", phone=True)
    page.get_by_role("button", name="开启通知").click()
    page.wait_for_function("() => document.getElementById('push-status').textContent.includes('已开启')")
    scope = page.evaluate("navigator.serviceWorker.getRegistration('/console/').then(r => r.scope)")
    assert scope.endswith("/console/")
    subscription = db.session.query(PushSubscription).one()
    assert (subscription.user_id, subscription.endpoint) == (desk.id, "https://push.example.test/desk-1")

    card = page.locator(f"#referral-{emergency.id}")
    # The card names the referring doctor with a phone to call, and the urgency with its window.
    assert "刘医生" in card.inner_text() and "+8613912345678" in card.inner_text()
    assert "急诊（15分钟内接收）" in card.inner_text()
    # Declining sits behind its own button: its reason field shows only when asked for.
    assert not card.locator("input[name=reason]").is_visible()
    one_tap = card.get_by_role("button", name="立即接收（病人已在路上）")
    assert one_tap.is_visible()
    box = one_tap.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768  # no scrolling at 1366x768
    one_tap.click()
    page.wait_for_url("**/console/desk")
    assert page.get_by_text("已接收转诊。").is_visible()
    screenshot(page, "07-desk-accepted")

    db.session.expire_all()
    accepted = db.session.get(Referral, emergency.id)
    assert accepted.status == "accepted" and accepted.accepted_at < accepted.ack_deadline
    assert accepted.appointment_at is None  # the patient is on the way: no time needed

    card = page.locator(f"#referral-{emergency.id}")
    card.locator("input[name=outcome]").fill("降压治疗后稳定，转回乡镇随访")
    card.get_by_role("button", name="完成").click()
    page.wait_for_url("**/console/desk")
    assert page.get_by_text("转诊已完成。").is_visible()
    screenshot(page, "08-desk-completed")
    db.session.expire_all()
    assert db.session.get(Referral, emergency.id).status == "completed"


def test_every_console_page_renders_in_chromium(browser_context: Any, app: object) -> None:
    """A screenshot of each page, with rows, for review; no page breaks its CSP or throws."""
    township, facility = create_township(name="青山镇"), create_facility()
    populate(township, facility, 6)
    for username, role in (("mgr", Role.TOWNSHIP_MANAGER), ("adm", Role.COUNTY_ADMIN)):
        create_user(role, username=username, township=township if role == Role.TOWNSHIP_MANAGER else None)
    resident_id = db.session.query(Referral.resident_id).first()[0]
    page = browser_context.new_page()
    tours = {
        "mgr": [*MANAGER_PAGES, f"/console/residents/{resident_id}"],
        "adm": [*ADMIN_PAGES, f"/console/indicators?township_id={township.id}"],
    }
    for username, paths in tours.items():
        sign_in(page, username)
        page.wait_for_url("**/console/**")
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            name = path.split("?")[0].replace(str(resident_id), "one").strip("/").replace("/", "-")
            screenshot(page, f"tour-{username}-{name}", phone=path == "/console/indicators")
        page.get_by_role("button", name="退出").click()
        page.wait_for_url("**/login")
