"""Request helpers shared by every area's views: parse JSON, load and dump schemas."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema

from fieldapp.errors import BadRequestError, ValidationError


def json_body() -> Any:
    """The request's JSON body, or a 400 ``bad_request`` with a clear reason."""
    if not request.is_json:
        raise BadRequestError("The body must be JSON (Content-Type: application/json).")
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequestError("The body is not valid JSON.")
    return data


def load(schema: Schema, data: Any = None, *, partial: bool = False) -> Any:
    """Validate ``data`` (default: the JSON body) with ``schema``; 422 on failure."""
    if data is None:
        data = json_body()
    if not isinstance(data, dict) and not schema.many:
        raise BadRequestError("The body must be a JSON object.")
    return schema.load(data, partial=partial)


def page_args(default_per_page: int = 50, max_per_page: int = 200) -> tuple[int, int]:
    """``page`` and ``per_page`` from the query string, bounded."""
    fields: dict[str, list[str]] = {}
    values = {}
    for name, default, upper in (("page", 1, 10**6), ("per_page", default_per_page, max_per_page)):
        raw = request.args.get(name)
        try:
            value = int(raw) if raw not in (None, "") else default
        except ValueError:
            fields[name] = ["must be an integer"]
            continue
        if not 1 <= value <= upper:
            fields[name] = [f"must be between 1 and {upper}"]
        values[name] = value
    if fields:
        raise ValidationError("Some query parameters are not valid.", fields=fields)
    return values["page"], values["per_page"]
