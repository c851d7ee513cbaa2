"""OpenAPI 3 for every /api/v1 operation, generated from the marshmallow schemas.

Views declare their contract with :func:`doc`; :func:`build_spec` walks the URL
map, so an endpoint without a declaration still appears (with a bare operation).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from fieldapp.auth.context import PUBLIC_API_ENDPOINTS

F = TypeVar("F", bound=Callable[..., Any])

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message"],
        }
    },
}


def doc(
    summary: str,
    *,
    body: type[Schema] | Schema | None = None,
    response: type[Schema] | Schema | None = None,
    status: int = 200,
    query: type[Schema] | Schema | None = None,
    tag: str | None = None,
) -> Callable[[F], F]:
    """Attach the operation's contract (request and response schemas) to a view."""

    def decorate(view: F) -> F:
        view._openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "body": body,
            "response": response,
            "status": status,
            "query": query,
            "tag": tag,
        }
        return view

    return decorate


def _path_of(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for match in re.finditer(r"<(?:(\w+):)?(\w+)>", rule):
        converter, name = match.groups()
        schema = {"type": "string", "format": "uuid"} if converter == "uuid" else {"type": "string"}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for the app's /api/v1 routes."""
    spec = APISpec(
        title="fieldapp",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Chronic-disease follow-up, patrols and referrals (API.md v1)."},
    )
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "_openapi", {})
        path, params = _path_of(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": meta.get("summary") or (view.__doc__ or rule.endpoint).strip().splitlines()[0],
                "tags": [meta.get("tag") or rule.endpoint.split(".")[0]],
                "security": [] if rule.endpoint in PUBLIC_API_ENDPOINTS else [{"bearer": []}],
                "responses": {
                    "default": {
                        "description": "Error envelope",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    }
                },
            }
            if params:
                operation["parameters"] = list(params)
            if meta.get("query") is not None:
                operation.setdefault("parameters", []).append({"in": "query", "schema": meta["query"]})
            if meta.get("body") is not None and method in {"POST", "PUT", "PATCH", "DELETE"}:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": meta["body"]}},
                }
            success: dict[str, Any] = {"description": "Success"}
            if meta.get("response") is not None:
                success["content"] = {"application/json": {"schema": meta["response"]}}
            operation["responses"][str(meta.get("status", 200))] = success
            paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
