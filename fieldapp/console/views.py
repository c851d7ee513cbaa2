"""The web console at ``/console/``: home, the push service worker, and each role's pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, redirect, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from fieldapp import glossary
from fieldapp.auth.models import Role
from fieldapp.console.labels import role_name, term, word
from fieldapp.console.web import bp, language, me
from fieldapp.timeutil import to_local

# Each role's menu, as (endpoint, label); the first entry is the role's home page.
MENUS: dict[str, list[tuple[str, Any]]] = {
    Role.TOWNSHIP_MANAGER: [
        ("console.queue", _l("Follow-up queue")),
        ("console.township_referrals", _l("Referrals")),
        ("console.indicators", _l("Indicators")),
        ("console.coverage", _l("Coverage")),
        ("console.messages", _l("Messages")),
        ("console.patrols", _l("Patrols")),
        ("console.teams", _l("Family-doctor teams")),
        ("console.contract_coverage", _l("Family-doctor contracts")),
        ("console.doctor_work", _l("Doctors' work")),
        ("console.assessment_page", _l("Assessment")),
        ("console.verifications_page", _l("Verification review")),
        ("console.training_page", _l("Training and guidance")),
        ("console.doctors", _l("Villages of doctors")),
        ("console.residents", _l("Residents")),
    ],
    Role.REFERRAL_DESK: [("console.desk", _l("Incoming referrals"))],
    Role.COUNTY_ADMIN: [
        ("console.org_page", _l("Townships and villages")),
        ("console.users_page", _l("Users")),
        ("console.county_indicators", _l("County indicators")),
        ("console.county_contracts", _l("County contracts")),
        ("console.teams", _l("Family-doctor teams")),
        ("console.assessment_page", _l("Assessment")),
        ("console.audit_log", _l("Audit log")),
        ("console.jobs_page", _l("Job queues")),
    ],
}


def menu_for(role: str) -> list[tuple[str, Any]]:
    """The role's menu entries whose pages exist."""
    return [
        (endpoint, label) for endpoint, label in MENUS.get(role, []) if endpoint in current_app.view_functions
    ]


@bp.app_template_filter("console_time")
def console_time(value: datetime) -> str:
    """An instant as local time, to the minute."""
    return to_local(value).strftime("%Y-%m-%d %H:%M")


@bp.context_processor
def console_helpers() -> dict[str, Any]:
    """Names every console template uses."""
    return {
        "role_name": role_name,
        "word": word,
        "term": term,
        "urgency": lambda code: glossary.urgency_with_window(code, language()),
        "menu_for": menu_for,
    }


@bp.get("/")
def home() -> ResponseReturnValue:
    """Each role starts on its first page."""
    return redirect(url_for(menu_for(me().role)[0][0]))


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """The push service worker, served from /console/ so its scope is /console/."""
    response = send_from_directory(current_app.static_folder or "static", "console/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/console/"
    return response


from fieldapp.console import (  # noqa: E402, F401  (registers the pages on bp)
    admin,
    assessment,
    contracts,
    healthchecks,
    manager,
    messages,
    queue,
    records,
    referrals,
    reports,
    training,
)
