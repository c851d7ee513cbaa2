"""``/api/v1/patrols``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("patrols_api", __name__, url_prefix="/api/v1")
