"""``POST /api/v1/contact-attempts``: working the overdue list."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import require_role
from fieldapp.auth.models import Role
from fieldapp.auth.scoping import FIELD_ROLES
from fieldapp.contacts import service
from fieldapp.contacts.schemas import ContactAttemptSchema
from fieldapp.http import load
from fieldapp.openapi import doc

bp = Blueprint("contacts_api", __name__, url_prefix="/api/v1")


@bp.post("/contact-attempts")
@doc(
    "Record an attempt to reach a resident",
    body=ContactAttemptSchema,
    response=ContactAttemptSchema,
    status=201,
)
def record_contact_attempt() -> ResponseReturnValue:
    """Record the attempt and apply its result; the same id and body again answers 200."""
    user = require_role(*FIELD_ROLES, Role.COUNTY_ADMIN)  # the role before the body
    attempt, created = service.record_contact_attempt(user, load(ContactAttemptSchema()))
    return ContactAttemptSchema().dump(attempt), 201 if created else 200
