"""The error contract: the JSON envelope on /api and /webhooks, HTML pages elsewhere, never a trace."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from tests.builders import auth_headers, create_user


def assert_envelope(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error  # type: ignore[no-any-return]


@pytest.mark.parametrize("signed_in", [False, True])
def test_unknown_api_routes_are_404_envelopes(client: FlaskClient, signed_in: bool) -> None:
    headers = auth_headers(create_user(Role.COUNTY_ADMIN)) if signed_in else {}
    assert_envelope(client.get("/api/v1/no-such-thing", headers=headers), 404, "not_found")
    assert_envelope(client.get("/api/v2/residents", headers=headers), 404, "not_found")


def test_unknown_webhook_routes_are_404_envelopes(client: FlaskClient) -> None:
    assert_envelope(client.post("/webhooks/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_405_envelope_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/v1/me")
    assert_envelope(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_the_health_check_answers_errors_as_envelopes(client: FlaskClient) -> None:
    assert_envelope(client.post("/healthz"), 405, "method_not_allowed")


def test_pages_answer_html_errors(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_a_client_asking_for_json_gets_the_envelope_anywhere(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert_envelope(response, 404, "not_found")


@pytest.fixture
def broken_app(make_app: Callable[..., Flask]) -> Flask:
    """An app with a page that fails with an unexpected error."""
    broken = make_app()

    def explode() -> str:
        raise RuntimeError("secret detail from deep inside")

    broken.add_url_rule("/boom", "boom", explode)
    return broken


def test_an_unexpected_error_is_a_500_without_a_trace(broken_app: Flask) -> None:
    client = broken_app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert page.mimetype == "text/html"
    json_answer = client.get("/boom", headers={"Accept": "application/json"})
    assert_envelope(json_answer, 500, "internal_error")
    for response in (page, json_answer):
        text = response.get_data(as_text=True)
        assert "secret detail" not in text
        assert "Traceback" not in text


SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")


@pytest.mark.parametrize(
    "path", ["/api/v1/openapi.json", "/login", "/api/v1/me", "/no-such-page", "/healthz"]
)
def test_every_response_carries_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    for header in SECURITY_HEADERS:
        assert header in response.headers, f"{path} lacks {header}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_api_answers_are_not_stored_by_caches(client: FlaskClient) -> None:
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me").headers["Cache-Control"] == "no-store"


def test_https_responses_ask_for_https_from_then_on(client: FlaskClient) -> None:
    response = client.get("/login", base_url="https://fieldapp.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
