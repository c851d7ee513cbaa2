"""``/api/v1/messages`` and ``/api/v1/push/*``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("messaging_api", __name__, url_prefix="/api/v1")
