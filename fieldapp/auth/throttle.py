"""Failed sign-in limits, counted in the database so that every worker process shares them.

Two limits (API.md): failures per account *at one address*, and failures per address.
Keying the account limit by address as well means that an attacker guessing a password
from one place cannot lock its owner out at another (the referral desk always signs in
from its own workstation); the address limit bounds guessing across accounts.
Successful sign-ins count towards neither.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, request
from sqlalchemy import and_, delete, func, select

from fieldapp.auth.models import SignInFailure
from fieldapp.config import ConfigError
from fieldapp.errors import APIError, UnauthenticatedError
from fieldapp.extensions import db
from fieldapp.http import storable
from fieldapp.timeutil import utcnow

F = TypeVar("F", bound=Callable[..., Any])

LIMITED_MESSAGE = "Too many failed sign-in attempts; try again later."


@dataclass(frozen=True)
class Limit:
    """``amount`` failures allowed within ``window``."""

    amount: int
    window: timedelta


_LIMIT = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_limit(text: str) -> Limit:
    """A limit written as ``"5 per 15 minutes"`` (or ``"20/hour"``)."""
    match = _LIMIT.match(text)
    if match is None:
        raise ValueError(f"not a limit: {text!r} (write e.g. '5 per 15 minutes')")
    amount, count, unit = match.groups()
    return Limit(int(amount), timedelta(seconds=int(count or 1) * _UNIT_SECONDS[unit.lower()]))


def _limit(setting: str) -> Limit:
    return parse_limit(current_app.config[setting])


def _account_of() -> str:
    """The account a sign-in attempt names (JSON body or form), case-insensitively."""
    data = request.get_json(silent=True) if request.is_json else None
    username = data.get("username") if isinstance(data, dict) else request.form.get("username")
    return str(username or "").strip().lower()[:64]


def _address_of() -> str:
    return (request.remote_addr or "unknown")[:64]


def _retry_after(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    if oldest is None:
        return 1
    return max(1, math.ceil((oldest + window - now).total_seconds()))


def check_sign_in_allowed(account: str, address: str, now: datetime | None = None) -> None:
    """Raise 429 ``rate_limited`` when this account at this address, or this address, failed too often."""
    now = now or utcnow()
    per_account, per_address = _limit("LOGIN_FAILURES_PER_ACCOUNT"), _limit("LOGIN_FAILURES_PER_ADDRESS")
    account_since, address_since = now - per_account.window, now - per_address.window
    mine = and_(SignInFailure.account == account, SignInFailure.at >= account_since)
    recent = SignInFailure.at >= address_since
    row = db.session.execute(
        select(
            func.count().filter(mine),
            func.min(SignInFailure.at).filter(mine),
            func.count().filter(recent),
            func.min(SignInFailure.at).filter(recent),
        ).where(SignInFailure.address == address, SignInFailure.at >= min(account_since, address_since))
    ).one()
    account_failures, account_oldest, address_failures, address_oldest = row
    waits = []
    if account_failures >= per_account.amount:
        waits.append(_retry_after(account_oldest, per_account.window, now))
    if address_failures >= per_address.amount:
        waits.append(_retry_after(address_oldest, per_address.window, now))
    if waits:
        raise APIError(
            LIMITED_MESSAGE, status=429, code="rate_limited", headers={"Retry-After": str(max(waits))}
        )


def record_failure(account: str, address: str, now: datetime | None = None) -> None:
    """Count one failed sign-in (and forget failures older than both windows)."""
    now = now or utcnow()
    longest = max(_limit("LOGIN_FAILURES_PER_ACCOUNT").window, _limit("LOGIN_FAILURES_PER_ADDRESS").window)
    db.session.rollback()
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < now - longest))
    db.session.add(SignInFailure(at=now, account=account, address=address))
    db.session.commit()


def limit_sign_in(view: F) -> F:
    """Refuse ``view`` past the failed-sign-in limits; count its failures (401) towards them."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        account, address = _account_of(), _address_of()
        if not storable(account):  # the view refuses it (422) before checking any password
            return view(*args, **kwargs)
        check_sign_in_allowed(account, address)
        try:
            response = view(*args, **kwargs)
        except UnauthenticatedError:
            record_failure(account, address)
            raise
        status = response[1] if isinstance(response, tuple) else getattr(response, "status_code", 200)
        if status == 401:
            record_failure(account, address)
        return response

    return wrapper  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    """Refuse to start with a limit that cannot be read (rather than fail at the first sign-in)."""
    for setting in ("LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_ADDRESS"):
        try:
            parse_limit(app.config[setting])
        except ValueError as error:
            raise ConfigError(f"{setting}: {error}") from None
