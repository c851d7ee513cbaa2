"""Configuration: defaults first, then the environment (API.md's table)."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """Raised at start-up when a required setting is missing."""


def _read_or_create_secret(path: Path) -> str:
    """Return the secret stored at ``path``, generating it on first run."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the app's configuration from defaults, the environment and ``overrides``."""
    env = os.environ
    overrides = overrides or {}
    instance = Path(instance_path)
    config: dict[str, Any] = {
        "ENV_NAME": env.get("FIELDAPP_ENV", "development"),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or f"sqlite:///{instance / 'fieldapp.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "FIELDAPP_TIMEZONE": env.get("FIELDAPP_TIMEZONE", "Asia/Shanghai"),
        # The county's GB/T 2260 division code: the first 6 digits of every record number.
        "FIELDAPP_COUNTY_CODE": env.get("FIELDAPP_COUNTY_CODE", "000000").strip(),
        "FIELDAPP_PUBLIC_URL": env.get("FIELDAPP_PUBLIC_URL", "http://localhost:5000").rstrip("/"),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN"),
        "TWILIO_FROM": env.get("TWILIO_FROM"),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID"),
        "TWILIO_API_BASE_URL": env.get("TWILIO_API_BASE_URL"),
        "VAPID_PRIVATE_KEY": env.get("VAPID_PRIVATE_KEY"),
        "VAPID_PUBLIC_KEY": env.get("VAPID_PUBLIC_KEY"),
        "VAPID_SUBJECT": env.get("VAPID_SUBJECT", "mailto:admin@fieldapp.invalid"),
        # Push services a subscription may name; unset: the browsers' own (messaging/clients/push.py).
        "FIELDAPP_PUSH_HOSTS": env.get("FIELDAPP_PUSH_HOSTS") or None,
        "MAX_CONTENT_LENGTH": int(env.get("FIELDAPP_MAX_BODY_BYTES", 5 * 1024 * 1024)),
        # An import upload (POST /api/v1/imports) may be larger: a county's register.
        "IMPORT_MAX_BYTES": int(env.get("FIELDAPP_IMPORT_MAX_BYTES", 50 * 1024 * 1024)),
        # Rows written per transaction by an import (a killed import loses at most one batch).
        "IMPORT_BATCH_ROWS": int(env.get("FIELDAPP_IMPORT_BATCH_ROWS", 1000)),
        "SYNC_MAX_RECORDS": 2000,
        "SYNC_PAGE_SIZE": int(env.get("FIELDAPP_SYNC_PAGE_SIZE", 500)),
        "TRUSTED_PROXIES": int(env.get("FIELDAPP_TRUSTED_PROXIES", 0)),
        # Werkzeug's scrypt (N=2**15, r=8, p=1); tests lower the cost to stay fast.
        "PASSWORD_HASH_METHOD": env.get("FIELDAPP_PASSWORD_HASH_METHOD", "scrypt"),
        "TOKEN_TTL_HOURS": int(env.get("FIELDAPP_TOKEN_TTL_HOURS", 12)),
        # A browser session lasts as long as a token, not Flask's 31 days.
        "SESSION_TTL_HOURS": int(env.get("FIELDAPP_SESSION_TTL_HOURS", 12)),
        # Failed sign-ins, counted in the database (shared by every worker, no Redis needed).
        "LOGIN_FAILURES_PER_ACCOUNT": env.get("FIELDAPP_LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_ADDRESS": env.get("FIELDAPP_LOGIN_LIMIT_ADDRESS", "20 per 15 minutes"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("FIELDAPP_PUBLIC_URL", "").startswith("https://"),
        "BABEL_DEFAULT_LOCALE": "zh",
        # One catalog per domain: UI strings, console pages, SMS and push texts.
        "BABEL_TRANSLATION_DIRECTORIES": ";".join([str(Path(__file__).parent / "translations")] * 3),
        "BABEL_DOMAIN": "messages;console;sms",
        "TESTING": False,
    }
    config.update(overrides)
    config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=config["SESSION_TTL_HOURS"]))
    if "SMS_PROVIDER" not in config:
        has_twilio = bool(config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"])
        config["SMS_PROVIDER"] = env.get("SMS_PROVIDER") or ("twilio" if has_twilio else "outbox")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = env.get("SECRET_KEY") or _secret_for(config, instance)
    if not re.fullmatch(r"[0-9]{6}", config["FIELDAPP_COUNTY_CODE"]):
        raise ConfigError("FIELDAPP_COUNTY_CODE must be 6 digits (the county's division code)")
    if config["SMS_PROVIDER"] == "twilio" and not config["TWILIO_AUTH_TOKEN"]:
        raise ConfigError("SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    return config


def _secret_for(config: dict[str, Any], instance: Path) -> str:
    if config["ENV_NAME"] == "production":
        raise ConfigError("SECRET_KEY must be set in production (FIELDAPP_ENV=production)")
    return _read_or_create_secret(instance / "secret_key")
