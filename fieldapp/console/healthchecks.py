"""The printable health check (健康体检表) of a resident, laid out as the national form's sections."""

from __future__ import annotations

import uuid
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from fieldapp import glossary
from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role, User
from fieldapp.console.web import bp, me
from fieldapp.extensions import db
from fieldapp.healthchecks import service
from fieldapp.healthchecks.items import ITEMS, SECTIONS, Item


def _value(item: Item, value: Any, language: str) -> str:
    """One item's value as the form prints it: a choice in words, a number with its unit."""
    if value is None or value == "":
        return glossary.BLANK
    if item.kind == "choice":
        return glossary.label(item.group, value, language)
    return f"{value:g} {item.unit}".strip() if isinstance(value, int | float) else str(value)


@bp.get("/health-checks/<uuid:check_id>/print")
@roles_required(Role.TOWNSHIP_MANAGER, Role.COUNTY_ADMIN, Role.REFERRAL_DESK)
def health_check_print(check_id: uuid.UUID) -> ResponseReturnValue:
    """One health check, section by section, ready to print (the read is audited)."""
    check, resident = service.get_health_check(me(), check_id)
    language = "en" if str(get_locale() or "zh") == "en" else "zh"
    sections = [
        {
            "title": section.en if language == "en" else section.zh,
            "rows": [
                (item.en if language == "en" else item.zh, _value(item, check.items.get(item.name), language))
                for item in ITEMS
                if item.section == section.name
            ],
        }
        for section in SECTIONS
    ]
    doctor = db.session.get(User, check.performed_by) if check.performed_by else None
    return render_template(
        "console/health_check_print.html",
        check=check,
        resident=resident,
        sections=sections,
        bmi=check.items.get("bmi"),
        doctor=doctor,
    )
