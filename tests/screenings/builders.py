"""The body of a screening POST."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow


def screening_body(resident: Resident, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resident_id": str(resident.id),
        "performed_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "sbp": 150,
        "dbp": 92,
    }
    body.update(fields)
    return body
