"""Errors as API.md's JSON envelope, in one place."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from marshmallow import ValidationError as SchemaValidationError
from werkzeug.exceptions import HTTPException

from fieldapp.api_messages import say
from fieldapp.extensions import db
from fieldapp.field_errors import localized

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "bad_request",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

# Plain words for the errors Werkzeug raises itself (routing, body size, rate limits).
HTTP_MESSAGES = {
    400: "The request is not valid.",
    404: "No such resource.",
    405: "This method is not allowed here.",
    415: "The body must be JSON (Content-Type: application/json).",
    429: "Too many requests; try again later.",
}


class APIError(Exception):
    """An error a client should see, rendered as the JSON envelope."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequestError(APIError):
    """The body is not JSON or has the wrong content type."""


class UnauthenticatedError(APIError):
    """No credentials, or bad ones."""

    status = 401
    code = "unauthenticated"


class ForbiddenError(APIError):
    """Authenticated, but outside the caller's role or area."""

    status = 403
    code = "forbidden"


class NotFoundError(APIError):
    """No such thing, or outside the caller's area."""

    status = 404
    code = "not_found"


class ConflictError(APIError):
    """Same id with another body, a duplicate, or a forbidden state change."""

    status = 409
    code = "conflict"


class ValidationError(APIError):
    """Fields are wrong; ``fields`` names each."""

    status = 422
    code = "validation_error"


class PayloadTooLargeError(APIError):
    """Body or batch over the limit."""

    status = 413
    code = "payload_too_large"


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"a.b": ["..."]}``."""
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, name))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def error_body(status: int, code: str, message: str, fields: Any = None, **extra: Any) -> dict[str, Any]:
    """The envelope of API.md."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = localized(fields)
    error.update(extra)
    return {"error": error}


def wants_json() -> bool:
    """API, webhook and health-check paths answer JSON; pages answer HTML."""
    path = request.path
    return (
        path.startswith(("/api/", "/webhooks/"))
        or path == "/healthz"
        or request.accept_mimetypes.best == "application/json"
    )


def _respond(status: int, code: str, message: str, fields: Any = None, **extra: Any) -> Response:
    if wants_json():
        response = jsonify(error_body(status, code, say(message), fields, **extra))
    else:
        response = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    response.status_code = status
    return response


def _message_for(error: HTTPException, status: int) -> str:
    """Our own words for Werkzeug's errors."""
    if status == 413:
        return f"The body is larger than the limit ({current_app.config['MAX_CONTENT_LENGTH']} bytes)."
    return HTTP_MESSAGES.get(status) or error.description or HTTP_CODES.get(status, "error")


def register_errors(app: Flask) -> None:
    """Render every error as the envelope (API) or an HTML page (elsewhere)."""

    @app.errorhandler(APIError)
    def handle_api_error(error: APIError) -> Response:
        response = _respond(error.status, error.code, error.message, error.fields, **error.extra)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        response.headers.update(error.headers)
        return response

    @app.errorhandler(SchemaValidationError)
    def handle_schema_error(error: SchemaValidationError) -> Response:
        return _respond(
            422, "validation_error", "Some fields are not valid.", flatten_messages(error.messages)
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code = HTTP_CODES.get(status, "error")
        response = _respond(status, code, _message_for(error, status))
        # Keep the headers that tell a client what to do next.
        for name, value in error.get_headers():
            if name.lower() in ("allow", "retry-after"):
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _respond(500, "internal_error", "Something went wrong on our side.")
