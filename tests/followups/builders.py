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


def full_form(condition: str = "hypertension") -> dict[str, Any]:
    """Every item a complete record of ``condition`` needs (DOMAIN.md "Completeness"), and more."""
    lifestyle: dict[str, Any] = {
        "cigarettes_per_day": {"now": 5, "target": 0},
        "alcohol_liang_per_day": {"now": 1.5, "target": 0.5},
        "exercise_per_week": {"now": 3, "target": 5},
        "exercise_minutes": {"now": 20, "target": 30},
    }
    body: dict[str, Any] = {
        "symptoms": ["none"],
        "weight_kg": 68.0,
        "height_cm": 165.0,
        "target_weight_kg": 64.0,
        "target_bmi": 23.5,
        "heart_rate": 72,
        "other_signs": "无",
        "psychological": "good",
        "compliance": "fair",
        "medication_adherence": "regular",
        "adverse_reaction": False,
        "medications": [{"name": "氨氯地平", "times_per_day": 1, "dose": "5mg"}],
        "auxiliary_exam": "心电图正常",
        "lifestyle": lifestyle,
    }
    if condition == "hypertension":
        lifestyle["salt"] = {"now": "heavy", "target": "light"}
    else:
        lifestyle["staple_food_g_per_day"] = {"now": 400, "target": 300}
        body.update(
            {
                "dorsalis_pedis": {"left": "normal", "right": "weakened"},
                "hba1c": 7.2,
                "hba1c_on": (local_today() - timedelta(days=10)).isoformat(),
                "hypoglycaemia": "none",
                "insulin": {"kind": "门冬胰岛素", "usage": "每日2次，每次8单位"},
                "medications": [{"name": "二甲双胍", "times_per_day": 2, "dose": "0.5g"}],
            }
        )
    return body
