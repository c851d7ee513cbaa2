"""Browser fixtures: the app served from a real server thread, driven by Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import open_context

PHONE = {"width": 360, "height": 640}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def phone(chromium: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser profile the size of a cheap phone, in Chinese."""
    context, refused = open_context(chromium, live_server, PHONE, device_scale_factor=1)
    yield context
    context.close()
    assert refused == [], "the page broke its Content-Security-Policy"


def screenshot(page: Any, name: str) -> None:
    """Save what the doctor sees, at 360×640, for review (tests/artifacts/ is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"field-{name}.png"))
