"""Browser fixtures: the app served from a real server thread, driven by Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PHONE = {"width": 360, "height": 640}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def phone(chromium: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser profile the size of a cheap phone, in Chinese."""
    context = chromium.new_context(
        base_url=live_server,
        viewport=PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="allow",
        device_scale_factor=1,
    )
    context.set_default_timeout(10_000)
    refused: list[str] = []
    context.on(
        "console", lambda message: "Content Security Policy" in message.text and refused.append(message.text)
    )
    yield context
    context.close()
    assert refused == [], "the page broke its Content-Security-Policy"


def screenshot(page: Any, name: str) -> None:
    """Save what the doctor sees, at 360×640, for review (tests/artifacts/ is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"field-{name}.png"))
