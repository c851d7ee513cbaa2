"""Operations: the health check and the OpenAPI document."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from fieldapp.auth.context import PUBLIC_API_ENDPOINTS


def test_healthz_reports_the_database_and_redis(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not_configured"}


def test_the_favicon_is_served(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG")


def test_healthz_is_503_when_the_database_is_down(make_app: Callable[..., Flask], tmp_path: Any) -> None:
    broken = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/no-such-folder/fieldapp.sqlite")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "error"
    assert response.get_json()["status"] == "error"


def test_healthz_reports_unreachable_redis_without_failing(make_app: Callable[..., Flask]) -> None:
    response = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "error"


@pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL (make test starts one)"
)
def test_healthz_reports_reachable_redis(make_app: Callable[..., Flask]) -> None:
    response = make_app(REDIS_URL=os.environ["TEST_REDIS_URL"]).test_client().get("/healthz")
    assert response.get_json()["redis"] == "ok"


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def test_openapi_is_a_valid_openapi_3_document(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_openapi_has_every_api_operation(app: Flask, spec: dict[str, Any]) -> None:
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<uuid:{argument}>", f"{{{argument}}}").replace(
                f"<{argument}>", f"{{{argument}}}"
            )
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing


def schema_of(spec: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]


def test_request_bodies_come_from_the_marshmallow_schemas(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/api/v1/residents"]["post"]
    body = schema_of(spec, operation["requestBody"]["content"]["application/json"]["schema"])
    assert {"name", "sex", "birth_date", "village_id", "phone", "id_number", "sms_consent"} <= set(
        body["properties"]
    )
    assert {"name", "sex", "birth_date", "village_id", "sms_consent"} <= set(body["required"])
    assert body["properties"]["sex"]["enum"] == ["M", "F"]
    assert "201" in operation["responses"]
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert set(
        schema_of(spec, token["requestBody"]["content"]["application/json"]["schema"])["required"]
    ) == {
        "username",
        "password",
    }


def test_openapi_marks_which_operations_need_a_token(app: Flask, spec: dict[str, Any]) -> None:
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}]
    assert "meta.openapi" in PUBLIC_API_ENDPOINTS


@pytest.mark.parametrize(
    "path", ["/api/v1/townships", "/api/v1/villages", "/api/v1/facilities", "/api/v1/users"]
)
def test_openapi_shows_collections_as_they_are_answered(spec: dict[str, Any], path: str) -> None:
    answer = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema_of(spec, answer)["properties"]) == {"items", "total"}


def test_openapi_documents_the_resident_search_and_the_resident_with_enrollments(
    spec: dict[str, Any],
) -> None:
    search = spec["paths"]["/api/v1/residents"]["get"]
    assert {"village_id", "q", "page", "per_page"} <= {p["name"] for p in search["parameters"]}
    one = spec["paths"]["/api/v1/residents/{resident_id}"]["get"]["responses"]["200"]
    assert "enrollments" in schema_of(spec, one["content"]["application/json"]["schema"])["properties"]


def test_the_wsgi_entry_freezes_the_startup_heap(tmp_path: Any) -> None:
    """A full collection in a gunicorn worker scans what requests left, not the application."""
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/wsgi.sqlite"}
    env.pop("REDIS_URL", None)
    script = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    frozen, tracked = (int(n) for n in done.stdout.split())
    assert frozen > 50_000 and tracked < frozen / 10, done.stdout
