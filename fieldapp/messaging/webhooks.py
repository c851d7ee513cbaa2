"""Twilio's form posts: delivery reports and inbound replies."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("twilio_webhooks", __name__, url_prefix="/webhooks/twilio")
