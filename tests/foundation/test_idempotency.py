"""A record's body hash is stored with it: the same body must hash the same in every release."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from fieldapp.idempotency import body_hash

BODY = {
    "id": uuid.UUID("3f1c0b2e-8a43-4f0e-9f57-0c6f3d1c2b7a"),
    "resident_id": uuid.UUID("0b7e1d1e-1111-4222-8333-944455556666"),
    "condition": "hypertension",
    "performed_at": datetime(2026, 11, 30, 1, 30, tzinfo=UTC),
    "mode": "home",
    "sbp": 150,
    "dbp": 92,
    "weight_kg": 68.0,
    "symptoms": ["dizziness", "none"],
    "other_signs": "无",
    "diagnosed_on": date(2020, 2, 2),
    "medications": [{"name": "氨氯地平", "times_per_day": 1, "dose": None}],
    "lifestyle": {"salt": {"now": "heavy", "target": "light"}},
    "adverse_reaction": False,
    "lat": None,
}

# The digest this body had when rows were first stored with it (phones replay those rows).
STORED = "b75c91a01aa62162471a16a8cd06b8bb514e4b9f0be7a8718a9290420cf2da34"


def test_a_body_hashes_as_stored_rows_were_hashed() -> None:
    assert body_hash(BODY) == STORED


def test_key_order_and_id_do_not_change_the_hash() -> None:
    reordered = dict(reversed(list(BODY.items())))
    assert body_hash(reordered | {"id": uuid.uuid4()}) == STORED
    assert body_hash(BODY | {"sbp": 151}) != STORED
