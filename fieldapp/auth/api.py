"""``/api/v1/auth/*`` and ``/api/v1/me``."""

from __future__ import annotations

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


def _sign_in_failed(response: object) -> bool:
    """Only failed sign-ins count towards the limits."""
    return getattr(response, "status_code", 0) == 401


def _account_key() -> str:
    data = request.get_json(silent=True)
    username = data.get("username") if isinstance(data, dict) else None
    if not username:
        username = request.form.get("username", "")
    return f"account:{str(username).strip().lower()}"


def account_limit() -> str:
    """Failed attempts allowed per account."""
    return str(current_app.config["LOGIN_FAILURES_PER_ACCOUNT"])


def address_limit() -> str:
    """Failed attempts allowed per client address."""
    return str(current_app.config["LOGIN_FAILURES_PER_ADDRESS"])


sign_in_limits = [
    limiter.limit(account_limit, key_func=_account_key, deduct_when=_sign_in_failed),
    limiter.limit(address_limit, deduct_when=_sign_in_failed),
]


@bp.post("/auth/token")
@sign_in_limits[0]
@sign_in_limits[1]
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
