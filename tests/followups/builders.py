"""Builders for enrollments and follow-ups, and the body of a follow-up POST."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today, utcnow


def create_enrollment(
    resident: Resident,
    condition: str = "hypertension",
    *,
    enrolled_on: date | None = None,
    next_due_on: date | None = None,
    status: str = "active",
) -> Enrollment:
    enrolled_on = enrolled_on or local_today() - timedelta(days=200)
    enrollment = Enrollment(
        resident_id=resident.id,
        condition=condition,
        status=status,
        diagnosed_on=enrolled_on,
        enrolled_on=enrolled_on,
        next_due_on=next_due_on or enrolled_on,
    )
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def iso(moment: datetime) -> str:
    return moment.isoformat()


def followup_body(resident: Resident, condition: str = "hypertension", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resident_id": str(resident.id),
        "condition": condition,
        "performed_at": iso(utcnow() - timedelta(hours=1)),
        "mode": "clinic",
        "sbp": 128,
        "dbp": 78,
    }
    if condition == "diabetes":
        body["fasting_glucose"] = 6.1
    body.update(fields)
    return body
