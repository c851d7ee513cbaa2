"""Helpers for the field app's tests: signing in, with the test client or in the browser."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from fieldapp.auth.models import User
from tests.builders import PASSWORD

CSRF = "field-test-csrf"
# Resolves once the service worker controls the page (so that it can be reloaded offline).
CONTROLLED_JS = """() => navigator.serviceWorker.controller !== null || new Promise((resolve, reject) => {
  navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), {once: true});
  setTimeout(() => reject(new Error("no service worker took control")), 10000);
})"""


def sign_in(client: FlaskClient, user: User) -> None:
    """Give ``client`` a signed-in cookie session for ``user``."""
    with client.session_transaction() as session:
        session["user_id"] = str(user.id)
        session["csrf"] = CSRF


def sign_in_page(page: Any, username: str = "cundoc") -> None:
    """Sign in at /login and wait until the app runs offline-ready with the area on the phone."""
    page.goto("/login?next=/field/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/field/**")
    page.evaluate(CONTROLLED_JS)
    page.locator("body[data-sync='idle']").wait_for(state="attached")
