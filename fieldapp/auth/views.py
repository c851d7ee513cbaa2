"""Cookie sign-in for the web pages (``/login``, ``/logout``)."""

from __future__ import annotations

import hmac
from urllib.parse import urlparse

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.auth.context import csrf_token, sign_in_session
from fieldapp.auth.models import Role
from fieldapp.auth.service import check_credentials, end_cookie_sessions
from fieldapp.auth.throttle import limit_sign_in
from fieldapp.errors import ForbiddenError

bp = Blueprint("auth_views", __name__)

FIELD_ROLES = {Role.VILLAGE_DOCTOR, Role.TOWNSHIP_DOCTOR}


def _home_for(role: str) -> str:
    return "/field/" if role in FIELD_ROLES else "/console/"


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so /login cannot redirect elsewhere.

    Browsers read a backslash as a slash (``/\\evil.example`` is ``//evil.example``, another
    site) and drop tabs and newlines: a path holding either is refused.
    """
    if not target or "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/login")
def login_form() -> ResponseReturnValue:
    """The sign-in form."""
    return render_template("login.html", next=request.args.get("next", ""), error=None)


def _login_is_forged() -> bool:
    """A sign-in posted from another site (login CSRF).

    The form's token must match the session's when it is sent (an empty token
    matches nothing, with or without a session); a client without the form (a
    script posting username and password) is accepted unless its browser says
    the post came from another site.
    """
    sent = request.form.get("csrf_token")
    if sent is not None:
        expected = str(session.get("csrf", ""))
        return not expected or not hmac.compare_digest(sent, expected)
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    return origin is not None and origin.rstrip("/") != request.host_url.rstrip("/")


@bp.post("/login")
@limit_sign_in
def login() -> ResponseReturnValue:
    """Check the form's credentials and start a session."""
    if _login_is_forged():
        raise ForbiddenError(_("The form has expired; reload the page."), code="csrf_failed")
    user = check_credentials(request.form.get("username", ""), request.form.get("password", ""))
    if user is None:
        body = render_template(
            "login.html", next=request.form.get("next", ""), error=_("Wrong username or password.")
        )
        return body, 401
    sign_in_session(user)
    return redirect(_safe_next(request.form.get("next")) or _home_for(user.role))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session (the form carries the CSRF token)."""
    sent = request.form.get("csrf_token", "")
    if g.get("auth_via") == "session" and not hmac.compare_digest(sent, str(session.get("csrf", ""))):
        raise ForbiddenError(_("The form has expired; reload the page."), code="csrf_failed")
    if g.get("auth_via") == "session":
        end_cookie_sessions(g.user)
    session.clear()
    csrf_token()
    return redirect(url_for("auth_views.login_form"))


@bp.get("/")
def index() -> ResponseReturnValue:
    """Send a signed-in user to their app, anyone else to sign in."""
    user = g.get("user")
    if user is None:
        return redirect(url_for("auth_views.login_form"))
    return redirect(_home_for(user.role))


@bp.get("/lang/<code>")
def switch_language(code: str) -> ResponseReturnValue:
    """Remember the chosen language (zh or en) for this browser."""
    if code in ("zh", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or "/")
