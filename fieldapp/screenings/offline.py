"""The ``screening_outcome`` record of sync: a screening's outcome settled on a phone offline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, post_dump

from fieldapp.followups import service as followups
from fieldapp.followups.models import Enrollment
from fieldapp.followups.schemas import EnrollmentSchema
from fieldapp.screenings.models import ScreeningOutcome
from fieldapp.screenings.schemas import ScreeningSchema, SyncedOutcomeSchema
from fieldapp.screenings.service import settle

# What sync looks the record's id up in (a replay of this very record).
MODEL = ScreeningOutcome
LOAD = SyncedOutcomeSchema()


@dataclass(frozen=True)
class SettledOffline:
    """What one outcome record did: answered under the record's own id."""

    id: uuid.UUID
    screening: Any
    enrollment: Enrollment | None


def settle_offline(area: followups.Area, data: dict[str, Any]) -> tuple[SettledOffline, bool]:
    """Apply a ``screening_outcome`` record; a replay, or the same outcome sent first by another
    phone, changes nothing (one enrollment) and is answered ``unchanged``."""
    screening_id = data.pop("screening_id")
    screening, enrollment, settled = settle(area, screening_id, data)
    return SettledOffline(data["id"], screening, enrollment), settled


class SettledOfflineSchema(Schema):
    """The answer's ``record``: the screening, with the enrollment a confirmation made, as the
    outcome endpoint answers."""

    @post_dump(pass_original=True)
    def as_outcome_answer(
        self, _data: dict[str, Any], original: SettledOffline, **_kwargs: Any
    ) -> dict[str, Any]:
        """The screening's fields and ``enrollment``."""
        answer: dict[str, Any] = ScreeningSchema().dump(original.screening)
        answer["enrollment"] = EnrollmentSchema().dump(original.enrollment) if original.enrollment else None
        return answer
