"""``/api/v1/residents/{id}/enrollments``, ``/enrollments``, ``/followups``, ``/visits``, ``/queue``, ``/rules``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("followups_api", __name__, url_prefix="/api/v1")
