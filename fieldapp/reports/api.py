"""``/api/v1/reports/*``: BPHS indicators and village coverage."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
