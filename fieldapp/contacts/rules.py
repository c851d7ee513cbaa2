"""What each contact attempt's result does (DOMAIN.md, reaching the overdue)."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """How the doctor tried to reach the resident."""

    PHONE = "phone"
    VISIT = "visit"
    SMS = "sms"


class Result(StrEnum):
    """What came of the attempt."""

    WILL_COME = "will_come"
    UNREACHABLE = "unreachable"
    WRONG_NUMBER = "wrong_number"
    MOVED = "moved"
    DIED = "died"
    REFUSED = "refused"


# Results that close every active enrollment of the resident, with the same close reason.
CLOSES_ENROLLMENTS = frozenset({Result.MOVED, Result.DIED})
