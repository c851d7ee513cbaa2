"""Signing a family-doctor contract at the doorstep, offline, in real Chromium; synced once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from fieldapp.auth.models import Role
from fieldapp.contracts.models import Contract
from fieldapp.extensions import db
from tests.builders import create_resident, create_township, create_user, create_village
from tests.contracts.builders import create_team
from tests.field.conftest import screenshot
from tests.field.helpers import sign_in_page

pytestmark = pytest.mark.browser


def contracts() -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(Contract)) or 0)


def test_a_contract_signed_offline_reaches_the_server_once(app: Flask, phone: Any) -> None:
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    create_user(Role.VILLAGE_DOCTOR, username="cundoc", township=township, villages=[village])
    create_team(township, name="青山一队")
    resident = create_resident(village, name="王芳", sex="F", birth_date=date(1950, 4, 9))
    page = phone.new_page()
    sign_in_page(page)
    page.goto(f"/field/#/resident/{resident.id}")
    page.locator("#contract").get_by_text("未签约").wait_for()
    assert "65岁及以上老年人" in page.locator("#contract").inner_text()
    page.get_by_role("link", name="签约").click()
    page.get_by_label("签约团队").wait_for()  # teams and packages read while online, kept for offline

    phone.set_offline(True)
    page.get_by_role("button", name="签约").click()
    page.locator("#contract").get_by_text("已在本机签约，等待同步").wait_for()
    screenshot(page, "contract-offline")
    assert contracts() == 0

    phone.set_offline(False)
    page.locator("#tabs").get_by_role("link", name="待发送").click()
    page.get_by_text("没有待发送的记录").wait_for()
    assert contracts() == 1
    page.goto(f"/field/#/resident/{resident.id}")
    page.reload()
    page.locator("#contract").get_by_text("青山一队").wait_for()
