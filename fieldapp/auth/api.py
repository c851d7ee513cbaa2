"""``/api/v1/auth/*`` and ``/api/v1/me``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, jsonify, request, session
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.auth.schemas import TokenRequestSchema, TokenSchema, UserSchema
from fieldapp.auth.service import check_credentials, revoke_token
from fieldapp.auth.service import issue_token as create_token
from fieldapp.errors import UnauthenticatedError
from fieldapp.extensions import limiter
from fieldapp.http import load
from fieldapp.openapi import doc

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")

F = TypeVar("F", bound=Callable[..., Any])


def _sign_in_failed(response: object) -> bool:
    """Only failed sign-ins count towards the limits."""
    return getattr(response, "status_code", 0) == 401


def _account_key() -> str:
    """The account a sign-in attempt names (JSON body or form), case-insensitively."""
    data = request.get_json(silent=True) if request.is_json else None
    username = data.get("username") if isinstance(data, dict) else request.form.get("username")
    return f"account:{str(username or '').strip().lower()}"


def account_limit() -> str:
    """Failed attempts allowed per account."""
    return str(current_app.config["LOGIN_FAILURES_PER_ACCOUNT"])


def address_limit() -> str:
    """Failed attempts allowed per client address."""
    return str(current_app.config["LOGIN_FAILURES_PER_ADDRESS"])


LIMITED_MESSAGE = "Too many failed sign-in attempts; try again later."

# Shared by the API sign-in and the /login form, so failures on either count together.
sign_in_limits = (
    limiter.shared_limit(
        account_limit,
        scope="sign-in-account",
        key_func=_account_key,
        deduct_when=_sign_in_failed,
        error_message=LIMITED_MESSAGE,
    ),
    limiter.shared_limit(
        address_limit, scope="sign-in-address", deduct_when=_sign_in_failed, error_message=LIMITED_MESSAGE
    ),
)


def limit_sign_in(view: F) -> F:
    """Apply both failed-sign-in limits (per account and per address) to ``view``."""
    return sign_in_limits[0](sign_in_limits[1](view))  # type: ignore[return-value]


@bp.post("/auth/token")
@limit_sign_in
@doc("Sign in and get a bearer token", body=TokenRequestSchema, response=TokenSchema)
def issue_token() -> ResponseReturnValue:
    """Exchange a username and password for a bearer token."""
    data = load(TokenRequestSchema())
    user = check_credentials(data["username"], data["password"])
    if user is None:
        raise UnauthenticatedError("Wrong username or password.", code="invalid_credentials")
    raw, token = create_token(user)
    return jsonify(TokenSchema().dump({"token": raw, "expires_at": token.expires_at, "user": user}))


@bp.post("/auth/logout")
@doc("Revoke the token or end the session")
def logout() -> ResponseReturnValue:
    """Revoke the bearer token used, or end the cookie session."""
    if g.token is not None:
        revoke_token(g.token.id)
    session.clear()
    return jsonify({"status": "signed_out"})


@bp.get("/me")
@doc("The signed-in user", response=UserSchema)
def me() -> ResponseReturnValue:
    """The caller's user object."""
    return jsonify(UserSchema().dump(current_user()))
