"""fieldapp: chronic-disease follow-up, patrols and referrals for county health services."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from fieldapp.config import load_config
from fieldapp.extensions import db, migrate
from fieldapp.http import BoundedJSONProvider

ROOT = Path(__file__).resolve().parent.parent

# Each area's module with a blueprint named ``bp``; registered in this order.
BLUEPRINTS = (
    "fieldapp.meta",
    "fieldapp.auth.api",
    "fieldapp.auth.views",
    "fieldapp.org.api",
    "fieldapp.residents.api",
    "fieldapp.followups.api",
    "fieldapp.screenings.api",
    "fieldapp.healthchecks.api",
    "fieldapp.sync.api",
    "fieldapp.patrols.api",
    "fieldapp.referrals.api",
    "fieldapp.messaging.api",
    "fieldapp.messaging.webhooks",
    "fieldapp.reports.api",
    "fieldapp.contracts.api",
    "fieldapp.replies.api",
    "fieldapp.contacts.api",
    "fieldapp.verifications.api",
    "fieldapp.assessment.api",
    "fieldapp.training.api",
    "fieldapp.field.views",
    "fieldapp.console.views",
)

# Modules with an ``init_app(app)`` of their own (CLI commands, hooks).
INIT_MODULES = (
    "fieldapp.auth.context",
    "fieldapp.auth.throttle",
    "fieldapp.messaging.clients.push",
    "fieldapp.audit.service",
    "fieldapp.http",
    "fieldapp.i18n",
    "fieldapp.cli",
    "workers.cli",
    "fieldapp.compression",
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the fieldapp WSGI application."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(
            (config or {}).get("INSTANCE_PATH")
            or os.environ.get("FIELDAPP_INSTANCE_PATH")
            or ROOT / "instance"
        ),
        instance_relative_config=True,
    )
    app.config.update(load_config(app.instance_path, config))
    app.json = BoundedJSONProvider(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))

    from fieldapp import errors, models  # noqa: F401  (models: every table known to Alembic)

    errors.register_errors(app)
    for name in INIT_MODULES:
        importlib.import_module(name).init_app(app)
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(("/api/", "/console/")):
            # Residents' records (API answers, console pages, exports) must not linger in caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
