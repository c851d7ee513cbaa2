"""Signing a browser session in, posting console forms, and counting SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

from fieldapp.auth.models import User
from fieldapp.extensions import db

CSRF = "test-csrf-token"


def sign_in(client: FlaskClient, user: User, lang: str = "en") -> FlaskClient:
    """Give ``client`` a console session for ``user`` (English unless asked)."""
    with client.session_transaction() as session:
        session["user_id"] = str(user.id)
        session["csrf"] = CSRF
        session["lang"] = lang
    return client


def post_form(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a console form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": CSRF, **(data or {})}, **kwargs)


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Collect every SQL statement run inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
