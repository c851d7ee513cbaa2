"""``/api/v1/referrals``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("referrals_api", __name__, url_prefix="/api/v1")
