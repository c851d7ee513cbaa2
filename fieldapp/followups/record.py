"""A follow-up row from a validated body: columns, the ``record`` JSON, medicines, completeness."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fieldapp.followups import items, rules
from fieldapp.followups.models import FollowUp, FollowUpMedication
from fieldapp.followups.rules import Condition, Outcome
from fieldapp.timeutil import utcnow

# Body fields stored in columns of their own (the rest of the form goes to ``record``).
COLUMNS = frozenset(
    {"resident_id", "condition", "performed_at", "mode", "lat", "lng"}
    | {item.name for item in items.ITEMS if item.column}
) - {"next_due_on"}


def build_followup(
    data: dict[str, Any],
    *,
    followup_id: uuid.UUID,
    enrollment_id: uuid.UUID,
    village_id: uuid.UUID,
    outcome: Outcome,
    next_due_on: date,
    measured: bool,
    height_cm: float | None,
    request_hash: str,
    performed_by: uuid.UUID,
) -> FollowUp:
    """The follow-up row of a body the schema has validated, with the server's verdict on it."""
    record = {name: data[name] for name in items.RECORD_ITEMS if data.get(name) not in (None, [], {})}
    for name in items.RECORD_DATES & record.keys():
        record[name] = record[name].isoformat()
    if "lifestyle" in record:
        record["lifestyle"] = {k: v for k, v in record["lifestyle"].items() if v is not None}
    medicines = data.get("medications")
    missing = items.missing_items(
        Condition(data["condition"]),
        data,
        measured=measured,
        referral_recommended=outcome.referral_recommended,
    )
    followup = FollowUp(
        # A column left unset is None as well, one attribute event fewer (its default applies alike).
        **{name: data[name] for name in COLUMNS if data.get(name) is not None},
        id=followup_id,
        enrollment_id=enrollment_id,
        village_id=village_id,
        record=record,
        medications_recorded=medicines is not None,
        measured=measured,
        late=rules.is_late(utcnow(), data["performed_at"]),
        complete=not missing,
        missing_items=missing,
        bmi=rules.body_mass_index(data.get("weight_kg"), height_cm),
        classification=str(outcome.classification),
        urgent_referral=outcome.urgent_referral,
        referral_recommended=outcome.referral_recommended,
        next_due_on=next_due_on,
        request_hash=request_hash,
        performed_by=performed_by,
    )
    if medicines is not None:  # recorded, if only as "none": answered without reading the rows
        followup.medication_rows = [
            FollowUpMedication(
                position=n, name=m["name"], times_per_day=m.get("times_per_day"), dose=m.get("dose")
            )
            for n, m in enumerate(medicines)
        ]
    return followup
