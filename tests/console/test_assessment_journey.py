"""A journey in Chromium: a township manager reads the quarter's assessment, follows a number
to the records behind it, and records what a call to a resident who denied a follow-up found."""

from __future__ import annotations

from typing import Any

import pytest

from fieldapp.extensions import db
from fieldapp.verifications.models import Verification
from tests.assessment.builders import build_third_quarter
from tests.builders import PASSWORD
from tests.console.conftest import screenshot

pytestmark = pytest.mark.browser


def test_manager_reads_the_assessment_and_reviews_a_denied_follow_up(
    browser_context: Any, app: object
) -> None:
    world = build_third_quarter()
    world["manager"].username = "zhao"
    world["a"].name, world["b"].name = "孙医生", "李医生"
    db.session.commit()

    page = browser_context.new_page()
    page.goto("/login")
    page.fill("#username", "zhao")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/**")
    page.get_by_role("link", name="绩效考核").click()
    page.fill("#period", "2026Q3")
    page.get_by_role("button", name="显示").click()
    row = page.locator("#assessment tbody tr", has_text="孙医生")
    assert "70.4%" in row.inner_text() and "1人否认" in row.inner_text()
    screenshot(page, "assessment-01-quarter", phone=True)

    page.locator("#assessment tbody tr", has_text="李医生").get_by_role("link", name="1/3").click()
    page.wait_for_url("**/console/assessment/records?*kind=dues*")
    assert page.locator("table tbody tr").count() == 3
    screenshot(page, "assessment-02-dues")

    page.go_back()
    row = page.locator("#assessment tbody tr", has_text="孙医生")
    row.locator("a[href*='/console/verifications']").click()
    page.wait_for_url("**/console/verifications?*")
    denied = page.locator("#verifications tbody tr", has_text="居民否认")
    assert "tel:" in denied.locator("a[href^='tel:']").get_attribute("href")
    denied.locator("select[name=finding]").select_option("not_genuine")
    denied.locator("input[name=note]").fill("居民说当天没有见到医生")
    denied.get_by_role("button", name="记录").click()
    assert page.get_by_text("核查结果已记录。").is_visible()
    screenshot(page, "assessment-03-reviewed")

    db.session.expire_all()
    reviewed = db.session.query(Verification).filter_by(status="denied").one()
    assert (reviewed.finding, reviewed.review_note) == ("not_genuine", "居民说当天没有见到医生")
