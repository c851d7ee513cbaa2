"""Who is asking: bearer token or session cookie, loaded once per request."""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from fieldapp.auth.models import Role, User
from fieldapp.auth.service import TokenProblem, user_for_token
from fieldapp.errors import ForbiddenError, UnauthenticatedError
from fieldapp.extensions import db

# /api/v1 endpoints anyone may call; every other one needs a signed-in user.
PUBLIC_API_ENDPOINTS = {"auth_api.issue_token", "meta.openapi", "messaging_api.vapid_public_key"}
# Endpoints that never look at the user (the health check must not need the database twice).
NO_USER_ENDPOINTS = {"static", "meta.healthz"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "X-CSRF-Token"

F = TypeVar("F", bound=Callable[..., Any])


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def sign_in_session(user: User) -> None:
    """Start a cookie session for ``user``."""
    session.clear()
    session["user_id"] = str(user.id)
    session["sv"] = user.session_version or 0
    session["at"] = int(time.time())
    session.permanent = True
    csrf_token()


def _load_user() -> None:
    g.user = None
    g.token = None
    g.auth_via = None
    g.auth_error = "unauthenticated"
    header = request.headers.get("Authorization")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() == "bearer" and raw.strip():
            try:
                g.user, g.token = user_for_token(raw.strip())
                g.auth_via = "token"
            except TokenProblem as problem:
                g.auth_error = problem.code
        return
    user_id = session.get("user_id")
    if user_id:
        try:
            user = db.session.get(User, uuid.UUID(user_id))
        except ValueError:
            user = None
        if user is not None and user.active and _session_is_current(user):
            g.user = user
            g.auth_via = "session"
        else:
            session.clear()


def _session_is_current(user: User) -> bool:
    """Signed in under the user's present session version, less than the session lifetime ago.

    The cookie's own expiry slides with every answer; the sign-in time does not, so a
    session ends ``SESSION_TTL_HOURS`` after sign-in, as a token does.
    """
    if session.get("sv", 0) != user.session_version:
        return False
    signed_in_at = session.get("at")
    lifetime = current_app.config["SESSION_TTL_HOURS"] * 3600
    return signed_in_at is None or 0 <= time.time() - float(signed_in_at) < lifetime


def _check_csrf() -> None:
    if g.auth_via != "session" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise ForbiddenError("CSRF token missing or wrong.", code="csrf_failed")


def _guard_api() -> None:
    if request.endpoint in NO_USER_ENDPOINTS:
        return
    _load_user()
    # An unknown route or method answers 404/405 whoever asks.
    if not request.path.startswith("/api/") or request.routing_exception is not None:
        return
    if request.endpoint in PUBLIC_API_ENDPOINTS:
        return
    if g.user is None:
        if g.auth_error == "token_expired":
            raise UnauthenticatedError("The token has expired; sign in again.", code="token_expired")
        raise UnauthenticatedError("Sign in first (Authorization: Bearer <token>).")
    _check_csrf()


def init_app(app: Flask) -> None:
    """Authenticate every request; /api/v1 refuses anonymous callers."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind a reverse proxy the client's address (rate limits, audit) is in X-Forwarded-For.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.before_request(_guard_api)
    app.jinja_env.globals["csrf_token"] = csrf_token


def current_user() -> User:
    """The signed-in user (the API guard has made sure there is one)."""
    user = g.get("user")
    if user is None:
        raise UnauthenticatedError("Sign in first.")
    return user  # type: ignore[no-any-return]


def require_role(*roles: Role) -> User:
    """The current user, if their role is one of ``roles``; else 403."""
    user = current_user()
    if user.role not in roles:
        raise ForbiddenError("Your role may not do this.")
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Decorator form of :func:`require_role`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_role(*roles)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
