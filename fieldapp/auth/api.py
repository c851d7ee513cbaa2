"""``/api/v1/auth/*`` and ``/api/v1/me``."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, session
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.auth.schemas import TokenRequestSchema, TokenSchema, UserSchema
from fieldapp.auth.service import check_credentials, end_cookie_sessions, revoke_token
from fieldapp.auth.service import issue_token as create_token
from fieldapp.auth.throttle import limit_sign_in
from fieldapp.errors import UnauthenticatedError
from fieldapp.http import load
from fieldapp.openapi import doc

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


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
    """Revoke the bearer token used, or end the cookie session for good."""
    if g.token is not None:
        revoke_token(g.token.id)
    elif g.auth_via == "session":
        end_cookie_sessions(g.user)
    session.clear()
    return jsonify({"status": "signed_out"})


@bp.get("/me")
@doc("The signed-in user", response=UserSchema)
def me() -> ResponseReturnValue:
    """The caller's user object."""
    return jsonify(UserSchema().dump(current_user()))
