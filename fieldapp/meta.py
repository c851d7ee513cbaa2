"""Operations endpoints: health check, the OpenAPI document and the glossary."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request, send_from_directory
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from marshmallow import Schema, fields
from sqlalchemy import text

from fieldapp import glossary
from fieldapp.extensions import db
from fieldapp.openapi import build_spec, doc

log = logging.getLogger(__name__)
bp = Blueprint("meta", __name__)


def _redis_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not_configured"
    from workers.queues import redis_connection

    try:
        redis_connection().ping()
    except Exception:  # any failure to reach Redis is reported, not raised
        log.warning("healthz: redis unreachable", exc_info=True)
        return "error"
    return "ok"


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """The product's icon where browsers look for it (the field app's, as PNG)."""
    response = send_from_directory(
        current_app.static_folder or "static", "field/icons/icon-192.png", max_age=86400
    )
    response.mimetype = "image/png"
    return response


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the database answers; 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the health check reports any database failure
        log.warning("healthz: database unreachable", exc_info=True)
        db.session.rollback()
        database = "error"
    body = {"status": "ok" if database == "ok" else "error", "database": database, "redis": _redis_status()}
    return jsonify(body), 200 if database == "ok" else 503


@bp.get("/api/v1/openapi.json")
def openapi() -> ResponseReturnValue:
    """OpenAPI 3 for every /api/v1 operation."""
    return jsonify(build_spec(current_app))


class GlossarySchema(Schema):
    """``GET /api/v1/glossary``: every coded value's words in the caller's language."""

    language = fields.String()
    groups = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String())
    )


@bp.get("/api/v1/glossary")
@doc("Every coded value's words, in the caller's language", response=GlossarySchema)
def get_glossary() -> ResponseReturnValue:
    """The one glossary in ``?lang=`` or the caller's language (Chinese unless English was chosen)."""
    asked = request.args.get("lang") or str(get_locale())
    language = "en" if asked == "en" else "zh"
    return GlossarySchema().dump({"language": language, "groups": glossary.as_dict(language)})
