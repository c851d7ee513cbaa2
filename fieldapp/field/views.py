"""The field PWA at ``/field/``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("field", __name__, url_prefix="/field")
