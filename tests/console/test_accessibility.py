"""axe-core over every console page (and the sign-in page), in Chinese, at 1366x768: no WCAG 2.1 AA violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.builders import PASSWORD
from tests.conftest import open_context
from tests.console.axe import axe_path, violations
from tests.console.conftest import DESKTOP, screenshot
from tests.console.tour import build_tour

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def axe_script() -> str:
    path = axe_path()
    if path is None:
        pytest.skip("npm is not installed: axe-core cannot be fetched")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def axe_context(chromium: Any, live_server: str) -> Iterator[Any]:
    """A Chinese desktop profile that lets the test inject axe (the pages' own CSP forbids inline scripts)."""
    context, _refused = open_context(chromium, live_server, DESKTOP, bypass_csp=True)
    yield context
    context.close()


def _sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/**")


def test_axe_finds_no_violation_on_any_console_page(axe_context: Any, axe_script: str, app: object) -> None:
    tour = build_tour()
    page = axe_context.new_page()
    report: dict[str, list[str]] = {}
    page.goto("/login")
    report["/login"] = violations(page, axe_script)
    for who, (user, paths) in tour.stops.items():
        _sign_in(page, user.username)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            found = violations(page, axe_script)
            name = re.sub(r"[0-9a-f-]{36}", "one", path.strip("/").split("?")[0]).replace("/", "-")
            screenshot(page, f"axe-{who}-{name}")  # every page at 1366x768, for review
            if found:
                report[f"{who} {path}"] = found
        page.get_by_role("button", name="退出").click()
        page.wait_for_url("**/login")
    assert {k: v for k, v in report.items() if v} == {}


def test_axe_would_catch_the_old_primary_button(axe_context: Any, axe_script: str) -> None:
    """The check itself works: white on #00bb55 (2.54:1) and an unlabelled field are violations."""
    page = axe_context.new_page()
    page.set_content(
        '<html lang="zh-CN"><head><title>t</title></head><body><main>'
        '<button style="background:#00bb55;color:#fff">接收</button><input name="x"></main></body></html>'
    )
    found = " ".join(violations(page, axe_script))
    assert "color-contrast" in found and "label" in found
