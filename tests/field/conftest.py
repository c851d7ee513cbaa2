"""Browser fixtures: the app served from a real server thread, driven by Debian's Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 640}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 in a server thread, on the test database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for the run; the tests are skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser profile the size of a cheap phone, in Chinese."""
    context = chromium.new_context(
        base_url=live_server, viewport=PHONE, locale="zh-CN", service_workers="allow", device_scale_factor=1
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
