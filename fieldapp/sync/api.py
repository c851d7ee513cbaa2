"""``POST /api/v1/sync``: offline clients push records and pull changes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sync_api", __name__, url_prefix="/api/v1")
