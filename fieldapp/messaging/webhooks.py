"""Twilio's form posts: delivery reports and inbound replies, each signed by Twilio."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from fieldapp.errors import ForbiddenError
from fieldapp.messaging import service

bp = Blueprint("twilio_webhooks", __name__, url_prefix="/webhooks/twilio")


@bp.before_request
def verify_signature() -> None:
    """403 unless ``X-Twilio-Signature`` signs this public URL and form with our auth token."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    query = request.query_string.decode()
    url = current_app.config["FIELDAPP_PUBLIC_URL"] + request.path + (f"?{query}" if query else "")
    if not token or not signature or not RequestValidator(token).validate(url, request.form, signature):
        raise ForbiddenError("The Twilio signature is missing or wrong.")


def _twiml(reply: str | None) -> Response:
    answer = MessagingResponse()
    if reply:
        answer.message(reply)
    return Response(str(answer), mimetype="application/xml")


@bp.post("/status")
def status() -> ResponseReturnValue:
    """A delivery report: move the message on (never back)."""
    service.record_status_report(request.form.to_dict(), request.args.get("m"))
    return _twiml(None)


@bp.post("/inbound")
def inbound() -> ResponseReturnValue:
    """A resident's reply: opt out, opt in, confirm, or a note for the doctor; answered in TwiML."""
    return _twiml(service.record_inbound(request.form.to_dict()))
