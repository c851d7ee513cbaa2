"""Helpers for the field app's tests: a cookie session like the one /login starts."""

from __future__ import annotations

from flask.testing import FlaskClient

from fieldapp.auth.models import User

CSRF = "field-test-csrf"


def sign_in(client: FlaskClient, user: User) -> None:
    """Give ``client`` a signed-in cookie session for ``user``."""
    with client.session_transaction() as session:
        session["user_id"] = str(user.id)
        session["csrf"] = CSRF
