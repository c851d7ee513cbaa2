"""Batches a phone pushes, shared by the sync tests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today, utcnow
from tests.builders import api, id_number_for
from tests.followups.builders import followup_body, full_form


def push(client: Any, user: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    response = api(client, "post", "/api/v1/sync", user, json={"records": records, "since": None})
    assert response.status_code == 200, response.json
    return response.json


def every_kind(village: Any, known: Resident) -> list[dict[str, Any]]:
    """New residents enrolled for both conditions with full records, a phone call, a visit, a
    screening and a health check; and a follow-up of a stored enrollment (its due date moves)."""
    resident_id, other_id = str(uuid.uuid4()), str(uuid.uuid4())
    at = utcnow() - timedelta(hours=3)
    resident = {
        "id": resident_id,
        "name": "李秀英",
        "sex": "F",
        "birth_date": "1958-07-09",
        "village_id": str(village.id),
        "sms_consent": True,
        "phone": "13912345678",
        "id_number": id_number_for(date(1958, 7, 9)),
        "household_id": str(uuid.uuid4()),
        "key_group_flags": ["disabled"],
    }
    plain = {"id": other_id, "name": "王强", "sex": "M", "birth_date": "1949-01-02"}
    plain |= {"village_id": str(village.id), "sms_consent": False, "language": "en"}
    records: list[dict[str, Any]] = [
        {"type": "resident", "data": resident},
        {"type": "resident", "data": plain},
    ]
    for condition, person in (
        ("hypertension", resident_id),
        ("diabetes", resident_id),
        ("hypertension", other_id),
    ):
        enrollment = {"id": str(uuid.uuid4()), "resident_id": person, "condition": condition}
        records.append({"type": "enrollment", "data": enrollment | {"diagnosed_on": "2020-02-02"}})
    for hours, condition in ((3, "hypertension"), (2, "diabetes")):
        body = followup_body(known, condition=condition) | full_form(condition)
        body |= {"id": str(uuid.uuid4()), "resident_id": resident_id, "mode": "home"}
        body |= {"performed_at": (utcnow() - timedelta(hours=hours)).isoformat()}
        records.append({"type": "followup", "data": body})
    phone_call = {"id": str(uuid.uuid4()), "resident_id": other_id, "condition": "hypertension"}
    phone_call |= {"performed_at": at.isoformat(), "mode": "phone"}
    records.append({"type": "followup", "data": phone_call})
    stored = followup_body(known, id=str(uuid.uuid4()), sbp=172, dbp=101, performed_at=at.isoformat())
    records.append({"type": "followup", "data": stored})
    visit = {"id": str(uuid.uuid4()), "village_id": str(village.id), "resident_id": other_id}
    records.append({"type": "visit", "data": visit | {"visited_at": at.isoformat(), "purpose": "followup"}})
    screening = {"id": str(uuid.uuid4()), "resident_id": other_id, "performed_at": at.isoformat()}
    records.append({"type": "screening", "data": screening | {"sbp": 146, "dbp": 88}})
    check = {"id": str(uuid.uuid4()), "resident_id": resident_id, "performed_on": local_today().isoformat()}
    records.append({"type": "health_check", "data": check | {"weight_kg": 64, "height_cm": 160}})
    return records
