"""Passwords, bearer tokens and sessions."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload, lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.auth.models import ApiToken, User
from fieldapp.extensions import db
from fieldapp.org.models import Village
from fieldapp.timeutil import utcnow

# Hashes to check against when the username is unknown, so timing does not tell (one per method).
_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str) -> str:
    """Hash with scrypt, a memory-hard KDF (``PASSWORD_HASH_METHOD`` sets its cost)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[method]


def check_credentials(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def hash_token(raw: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """Create a bearer token for ``user``; the raw value is returned once, never stored."""
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    token = ApiToken(user_id=user.id, token_hash=hash_token(raw), expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.commit()
    return raw, token


class TokenProblem(Exception):
    """Why a bearer token was refused (``token_expired`` or ``unauthenticated``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Every request runs this: one query for the token, its user and the user's villages,
# without the township and facility rows the relationships join by default (read on first
# use where needed). Built once: building the statement and its options cost more than running it.
_TOKEN_WITH_USER = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("token_hash"))
    .options(
        joinedload(ApiToken.user).options(
            lazyload(User.township),
            lazyload(User.facility),
            joinedload(User.villages).lazyload(Village.township),
        )
    )
)


def user_for_token(raw: str) -> tuple[User, ApiToken]:
    """The user a live token belongs to; raises TokenProblem otherwise."""
    token = db.session.scalars(_TOKEN_WITH_USER, {"token_hash": hash_token(raw)}).unique().first()
    if token is None or token.revoked_at is not None or not token.user.active:
        raise TokenProblem("unauthenticated")
    if token.expires_at <= utcnow():
        raise TokenProblem("token_expired")
    return token.user, token


def revoke_token(token_id: uuid.UUID) -> None:
    """Revoke a token so it is refused from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()


def end_cookie_sessions(user: User) -> None:
    """End every cookie session of ``user`` (signing out of a browser), for good (commits).

    Sessions are signed cookies: each carries the user's session version it began
    under, and raising the version refuses every one of them, replayed or not.
    """
    user.session_version = (user.session_version or 0) + 1
    db.session.commit()


def end_sessions(user: User) -> None:
    """End every cookie session and revoke every token of ``user`` (commits).

    Run on a password change or reset and on deactivation; a later reactivation
    brings none of them back.
    """
    user.session_version = (user.session_version or 0) + 1
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def create_user(
    username: str,
    password: str,
    role: str,
    **fields: object,
) -> User:
    """Create a user with a hashed password (no commit)."""
    user = User(username=username, password_hash=hash_password(password), role=role, **fields)
    db.session.add(user)
    return user
