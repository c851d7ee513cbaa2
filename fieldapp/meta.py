"""Operations endpoints: health check and the OpenAPI document."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from fieldapp.extensions import db
from fieldapp.openapi import build_spec

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
