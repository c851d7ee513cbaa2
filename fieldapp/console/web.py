"""The console blueprint, its guards (sign-in, role, CSRF) and helpers shared by its pages."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import Schema
from marshmallow import ValidationError as SchemaValidationError

from fieldapp.auth.models import Role, User
from fieldapp.console import wording
from fieldapp.errors import APIError, ForbiddenError, NotFoundError, flatten_messages
from fieldapp.schemas import naive_times_as_local

bp = Blueprint("console", __name__, url_prefix="/console")

CONSOLE_ROLES = (Role.TOWNSHIP_MANAGER, Role.REFERRAL_DESK, Role.COUNTY_ADMIN)
# Endpoints a browser fetches without a page around them (the worker script).
OPEN_ENDPOINTS = {"console.service_worker"}
# Console pages the field app opens for doctors too (their area's residents only).
FIELD_ENDPOINTS = {"console.resident_record"}
DOCTOR_ROLES = (Role.VILLAGE_DOCTOR, Role.TOWNSHIP_DOCTOR)
# Who may read the printable national record (each within their area).
RECORD_READERS = (*CONSOLE_ROLES, *DOCTOR_ROLES)


@bp.before_request
def guard_console() -> ResponseReturnValue | None:
    """Signed-in console roles only; every form POST carries the session's CSRF token."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    user: User | None = g.get("user")
    if user is None:
        return redirect(url_for("auth_views.login_form", next=request.full_path.rstrip("?")))
    if user.role not in CONSOLE_ROLES and not (
        user.role in DOCTOR_ROLES and request.endpoint in FIELD_ENDPOINTS
    ):
        raise ForbiddenError(_("The console is for township managers, the referral desk and county admins."))
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(str(sent), str(expected)):
            raise ForbiddenError(_("The form has expired; reload the page."), code="csrf_failed")
    return None


@bp.after_request
def never_cache(response: Response) -> Response:
    """Console pages and exports hold residents' records: no cache may keep them."""
    if request.endpoint not in OPEN_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def language() -> str:
    """The reader's language: ``zh`` or ``en``."""
    return "en" if str(get_locale() or "").startswith("en") else "zh"


def me() -> User:
    """The signed-in console user (the guard made sure there is one)."""
    return g.user  # type: ignore[no-any-return]


def uuid_arg(name: str, source: Any = None) -> uuid.UUID | None:
    """A UUID from the query string (or ``source``); a malformed one is a 404."""
    raw = (source if source is not None else request.args).get(name)
    if not raw:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFoundError(_("Not found.")) from None


def form_data(schema: Schema, *, lists: tuple[str, ...] = (), partial: bool = False) -> dict[str, Any]:
    """The POSTed form as ``schema`` loads it: blanks dropped, ``lists`` as lists."""
    raw: dict[str, Any] = {}
    for key in request.form:
        if key == "csrf_token" or key.startswith("_"):
            continue
        if key in lists:
            raw[key] = [v for v in request.form.getlist(key) if v]
        elif request.form[key].strip() != "":
            raw[key] = request.form[key].strip()
    for key in lists:
        raw.setdefault(key, [])
    with naive_times_as_local():  # a datetime-local input carries no offset
        return schema.load(raw, partial=partial)  # type: ignore[no-any-return]


def submit(action: Callable[[], Any], done: str, back: str) -> ResponseReturnValue:
    """Run a form's service call; flash ``done`` and go back, or flash what was wrong (in the reader's words)."""
    lang = language()
    try:
        action()
    except SchemaValidationError as error:
        flash(wording.say("Some fields are not valid.", "validation_error", lang), "error")
        _flash_lines(wording.field_lines(flatten_messages(error.messages), lang))
    except APIError as error:
        if error.status == 404:
            raise
        flash(wording.say(error.message, error.code, lang), "error")
        _flash_lines(wording.field_lines(error.fields or {}, lang))
    else:
        flash(done, "ok")
    return redirect(back)


def _flash_lines(lines: list[str]) -> None:
    for line in lines:
        flash(line, "error")
