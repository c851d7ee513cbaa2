"""Browser fixtures for the console: the field app's server thread and Chromium, a desktop-size context."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import open_context

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "console"
DESKTOP = {"width": 1366, "height": 768}  # the township office's laptop
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context(chromium: Any, live_server: str) -> Iterator[Any]:
    """A fresh desktop browser profile in Chinese; fails the test on any CSP refusal or page error."""
    context, problems = open_context(chromium, live_server, DESKTOP)
    context.on("weberror", lambda e: problems.append(str(e.error)))
    yield context
    context.close()
    assert problems == [], problems


def screenshot(page: Any, name: str, *, phone: bool = False) -> None:
    """Save the page for review (tests/artifacts/ is not committed); ``phone`` also at phone width."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if phone:
        size = page.viewport_size
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
        page.set_viewport_size(size)
