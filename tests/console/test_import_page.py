"""The county admin's import page in Chromium: upload, follow a job's progress, download the rows to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fakeredis
import pytest
from flask import Flask
from rq import Queue

from tests.builders import PASSWORD
from tests.console.conftest import screenshot
from tests.imports.builders import create_county
from tests.imports.files import xlsx_file, xlsx_rows
from tests.imports.rows import register_row
from workers import jobs
from workers.queues import QueueNames

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sign_in_as_admin(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/**")


def test_the_admin_uploads_a_register_watches_it_go_in_and_downloads_the_rows_to_fix(
    browser_context: Any, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    county = create_county(app)
    rows = [register_row(county, n) for n in range(1, 4)] + [register_row(county, 4, 联系电话="12345")]
    # A large file: the upload answers at once and a job imports it while the page follows its progress.
    redis = fakeredis.FakeRedis()
    monkeypatch.setitem(app.config, "IMPORT_JOB_BYTES", 0)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://fake")
    monkeypatch.setattr("workers.queues.redis_connection", lambda: redis)

    page = browser_context.new_page()
    _sign_in_as_admin(page, county.admin.username)
    page.get_by_role("link", name="导入档案").click()
    page.wait_for_url("**/console/admin/imports")
    with page.expect_download() as template:
        page.get_by_role("link", name="下载导入模板（XLSX）").click()
    assert xlsx_rows(Path(template.value.path()).read_bytes())[0][:3] == ["档案编号", "姓名", "性别"]

    page.set_input_files("#import-file", {"name": "县档案.xlsx", "mimeType": XLSX, "buffer": xlsx_file(rows)})
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_selector("#import-phase:has-text('正在导入')")
    screenshot(page, "import-running")

    queued = Queue(QueueNames.DEFAULT, connection=redis).jobs
    assert [job.func_name for job in queued] == ["workers.jobs.import_job"]
    jobs.import_job(*queued[0].args)

    page.wait_for_selector("#import-phase:has-text('导入完成')")
    counts = {
        name: page.locator(f"[data-count={name}]").inner_text() for name in ("rows", "created", "errors")
    }
    assert counts == {"rows": "4", "created": "3", "errors": "1"}
    error = page.locator("#import-errors tbody tr")
    assert error.count() == 1 and "联系电话" in error.inner_text() and "5" in error.inner_text()
    screenshot(page, "import-done")
    with page.expect_download() as report:
        page.get_by_role("link", name="下载需修改的行（XLSX，含“错误”列）").click()
    fixed = xlsx_rows(Path(report.value.path()).read_bytes())
    assert fixed[0][14] == "错误" and fixed[1][5] == "12345"

    page.reload()
    assert page.locator("table", has_text="县档案.xlsx").get_by_text("已完成").is_visible()


def test_a_dry_run_from_the_page_writes_nothing(browser_context: Any, app: Flask) -> None:
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.residents.models import Resident

    county = create_county(app)
    page = browser_context.new_page()
    _sign_in_as_admin(page, county.admin.username)
    page.goto("/console/admin/imports")
    page.set_input_files(
        "#import-file", {"name": "试.xlsx", "mimeType": XLSX, "buffer": xlsx_file([register_row(county, 1)])}
    )
    page.check("#import-dry-run")
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_selector("#import-phase:has-text('试导入完成')")
    assert page.locator("[data-count=created]").inner_text() == "1"
    assert db.session.scalar(select(func.count()).select_from(Resident)) == 0
