"""Where a batch's follow-ups fall among an enrollment's stored ones, read once for the whole batch.

A follow-up's classification continues the chain of the face-to-face follow-up just before
it (two in a row), and only the newest one moves the enrollment's due date. A phone that was
offline sends follow-ups older than ones another device stored since: each of those needed
two queries, and the batch's own unflushed follow-ups could not be seen by them at all. A
timeline holds, from the batch's earliest such follow-up on, the enrollment's stored
follow-ups, and the link of the chain just before, and takes the batch's as they are applied:
the same answers as the queries, without a query a record.
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, select

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.followups.rules import Classification

# The floor of a new enrollment's timeline: it has no follow-up but the batch's.
EARLIEST = datetime.min.replace(tzinfo=UTC)

# (performed_at, id, measured, classification) of one follow-up.
Entry = tuple[datetime, uuid.UUID, bool, str]


@dataclass
class Timeline:
    """An enrollment's follow-ups from ``floor`` on, oldest first, and the chain's link before it."""

    floor: datetime
    # The classification of the newest face-to-face follow-up before ``floor`` (None: none).
    before: str | None
    entries: list[Entry] = field(default_factory=list)

    def covers(self, performed_at: datetime) -> bool:
        """Whether a follow-up at ``performed_at`` falls where this timeline knows every follow-up."""
        return performed_at >= self.floor

    def previous_and_newest(
        self, performed_at: datetime, followup_id: uuid.UUID
    ) -> tuple[Classification | None, bool]:
        """The face-to-face classification just before (performed_at, id), and whether it is the newest."""
        at = bisect.bisect_left(self.entries, (performed_at, followup_id), key=lambda entry: entry[:2])
        newest = at == len(self.entries)
        previous = next(
            (entry[3] for entry in reversed(self.entries[:at]) if entry[2]),
            self.before,
        )
        return (Classification(previous) if previous else None), newest

    def add(self, entry: Entry) -> None:
        """Place a follow-up the batch has just recorded."""
        bisect.insort(self.entries, entry, key=lambda item: item[:2])


# The newest face-to-face classification of each enrollment before a floor (one row each).
_CHAIN_BEFORE = (
    select(FollowUp.classification)
    .where(
        FollowUp.enrollment_id == Enrollment.id,
        FollowUp.measured.is_(True),
        FollowUp.performed_at < bindparam("floor"),
    )
    .order_by(FollowUp.performed_at.desc(), FollowUp.id.desc())
    .limit(1)
    .correlate(Enrollment)
    .scalar_subquery()
)


def read_timelines(enrollment_ids: set[uuid.UUID], floor: datetime) -> dict[uuid.UUID, Timeline]:
    """The timelines of these enrollments from ``floor`` on: two queries, by the enrollments' index."""
    if not enrollment_ids:
        return {}
    timelines = {
        enrollment_id: Timeline(floor, before)
        for enrollment_id, before in db.session.execute(
            select(Enrollment.id, _CHAIN_BEFORE).where(Enrollment.id.in_(enrollment_ids)), {"floor": floor}
        )
    }
    stored = db.session.execute(
        select(
            FollowUp.enrollment_id,
            FollowUp.performed_at,
            FollowUp.id,
            FollowUp.measured,
            FollowUp.classification,
        ).where(FollowUp.enrollment_id.in_(enrollment_ids), FollowUp.performed_at >= floor)
    )
    for enrollment_id, performed_at, followup_id, measured, classification in stored:
        timelines[enrollment_id].entries.append((performed_at, followup_id, measured, classification))
    for timeline in timelines.values():
        timeline.entries.sort(key=lambda entry: entry[:2])
    return timelines
