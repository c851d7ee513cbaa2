"""Follow-ups in full, as the national form shows them: the resident page and the printable record.

Rows and words come from the follow-up items (``followups/items.py``) and the glossary, so
the console, the printed archive and the field app name every item the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import User
from fieldapp.console.web import RECORD_READERS, bp, me, uuid_arg
from fieldapp.errors import NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.followups.items import ITEMS, SECTION_LABELS, Item, Kind
from fieldapp.followups.models import FollowUp
from fieldapp.followups.rules import Condition
from fieldapp.glossary import BLANK, label, labels
from fieldapp.residents import service as residents_service
from fieldapp.timeutil import local_date, local_today, local_zone

VISITS_PER_SHEET = 4  # the paper form's columns


def _language() -> str:
    return "en" if str(get_locale()) == "en" else "zh"


def _number(value: Any, unit: str) -> str:
    if value is None:
        return BLANK
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{shown} {unit}".strip()


def _choice(item: Item, code: Any, language: str) -> str:
    if code is None or code == "":
        return BLANK
    return label(item.group, code, language) if item.group else str(code)


def show(item: Item, value: Any, language: str) -> str:
    """An item's value as a person reads it on the form."""
    if item.kind == Kind.CODES:
        return labels(item.group or "", value, language)
    if item.kind == Kind.CHOICE:
        return _choice(item, value, language)
    if item.kind == Kind.BOOLEAN:
        return label("yes_no", "yes" if value else "no", language)
    if item.kind == Kind.PAIR:
        if not value:
            return BLANK
        part = (lambda v: _choice(item, v, language)) if item.choices else (lambda v: _number(v, item.unit))
        return f"{part(value.get('now'))} / {part(value.get('target'))}"
    if item.kind == Kind.FEET:
        if not value:
            return BLANK
        left, right = ("L", "R") if language == "en" else ("左", "右")
        return f"{left} {_choice(item, value.get('left'), language)} · {right} {_choice(item, value.get('right'), language)}"
    if item.kind == Kind.MEDICATIONS:
        if value is None:
            return BLANK
        if not value:
            return "none" if language == "en" else "无"
        per_day = "/day" if language == "en" else "次/日"
        return "；".join(
            " ".join(
                str(p)
                for p in (
                    m["name"],
                    f"{m['times_per_day']}{per_day}" if m.get("times_per_day") else None,
                    m.get("dose"),
                )
                if p
            )
            for m in value
        )
    if item.kind in (Kind.INSULIN, Kind.REFERRAL):
        return " · ".join(str(v) for v in (value or {}).values() if v) or BLANK
    if item.kind in (Kind.INTEGER, Kind.NUMBER):
        return _number(value, item.unit)
    return str(value) if value not in (None, "") else BLANK


def _value_of(followup: FollowUp, item: Item) -> Any:
    if item.name.startswith("lifestyle."):
        return (followup.record.get("lifestyle") or {}).get(item.name.split(".", 1)[1])
    return getattr(followup, item.name)


@dataclass(frozen=True)
class Row:
    """One line of the form: its section, its label, and each visit's value."""

    section: str
    label: str
    name: str
    values: list[str]


def form_rows(condition: str, followups: list[FollowUp], language: str) -> list[Row]:
    """The form of ``condition`` with one value per follow-up, in the paper form's order."""
    rows: list[Row] = []
    for item in ITEMS:
        if Condition(condition) not in item.conditions:
            continue
        section = SECTION_LABELS[item.section][1 if language == "en" else 0]
        words = item.en if language == "en" else item.zh
        rows.append(
            Row(section, words, item.name, [show(item, _value_of(f, item), language) for f in followups])
        )
        if item.name == "weight_kg":  # the server's BMI sits beside the weight, as on paper
            bmi = "BMI" if language == "en" else "体质指数"
            rows.append(Row(section, bmi, "bmi", [_number(f.bmi, "kg/m²") for f in followups]))
    return rows


def followup_facts(followup: FollowUp, language: str) -> dict[str, Any]:
    """One follow-up in full, for the resident page."""
    return {
        "followup": followup,
        "rows": form_rows(followup.condition, [followup], language),
        "missing": [_item_words(name, language) for name in followup.missing_items or []],
    }


def _item_words(name: str, language: str) -> str:
    item = next((i for i in ITEMS if i.name == name), None)
    return name if item is None else (item.en if language == "en" else item.zh)


def _sheets(followups: list[FollowUp]) -> list[list[FollowUp]]:
    return [followups[n : n + VISITS_PER_SHEET] for n in range(0, len(followups), VISITS_PER_SHEET)] or [[]]


def _record(resident: Any, year: int, followups: list[FollowUp]) -> dict[str, Any]:
    """Follow-ups (oldest first) laid out by condition, four a sheet, as the national form."""
    language = _language()
    forms = []
    for condition in Condition:
        mine = [f for f in followups if f.condition == condition]
        if mine:
            forms.append(
                {
                    "condition": str(condition),
                    "sheets": [
                        {"followups": sheet, "rows": form_rows(condition, sheet, language)}
                        for sheet in _sheets(mine)
                    ],
                }
            )
    doctors = {
        row.id: row.name or row.username
        for row in db.session.scalars(select(User).where(User.id.in_({f.performed_by for f in followups})))
    }
    return {"resident": resident, "year": year, "forms": forms, "doctors": doctors, "language": language}


def year_record(user: User, resident_id: uuid.UUID, year: int) -> dict[str, Any]:
    """A resident's follow-ups of ``year`` by condition, four a sheet, oldest first."""
    resident = residents_service.get_resident(user, resident_id)
    start, end = (datetime(y, 1, 1, tzinfo=local_zone()) for y in (year, year + 1))
    followups = list(
        db.session.scalars(
            select(FollowUp)
            .where(
                FollowUp.resident_id == resident.id,
                FollowUp.performed_at >= start,
                FollowUp.performed_at < end,
            )
            .order_by(FollowUp.performed_at, FollowUp.id)
        )
    )
    return _record(resident, year, followups)


def one_followup_record(user: User, resident_id: uuid.UUID, followup_id: uuid.UUID) -> dict[str, Any]:
    """One follow-up of a resident in the caller's area, as its column of the national form (404 else)."""
    resident = residents_service.get_resident(user, resident_id)
    followup = db.session.scalar(
        select(FollowUp).where(FollowUp.id == followup_id, FollowUp.resident_id == resident.id)
    )
    if followup is None:
        raise NotFoundError(_("Not found."))
    return {**_record(resident, local_date(followup.performed_at).year, [followup]), "single": True}


def _year_arg() -> int:
    raw = request.args.get("year") or str(local_today().year)
    if not raw.isdigit() or not 1900 <= int(raw) <= 2999:
        raise ValidationError("Some query parameters are not valid.", fields={"year": ["must be a year"]})
    return int(raw)


@bp.get("/residents/<uuid:resident_id>/record")
@roles_required(*RECORD_READERS)
def resident_record(resident_id: uuid.UUID) -> ResponseReturnValue:
    """The year's follow-ups laid out as the national form, for printing the paper archive;
    with ``followup``, that one follow-up (the field app's history prints it)."""
    followup_id = uuid_arg("followup")
    if followup_id is not None:
        return render_template("console/record.html", **one_followup_record(me(), resident_id, followup_id))
    return render_template("console/record.html", **year_record(me(), resident_id, _year_arg()))
