"""DOMAIN.md's verification sample as data plus pure functions (importable without Flask)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum

SAMPLE_SHARE = 0.05  # 5 % of a doctor's month of face-to-face follow-ups ...
SAMPLE_MINIMUM = 3  # ... but at least 3, where there are 3
ANSWER_DAYS = 7  # a reply 1/2 answers a question for this long; then it is no_answer
ANSWER_WORDS = {"1": "confirmed", "2": "denied"}


class VerificationStatus(StrEnum):
    """Where a verification question stands."""

    ASKED = "asked"
    CONFIRMED = "confirmed"
    DENIED = "denied"
    NO_ANSWER = "no_answer"


class Finding(StrEnum):
    """What the township manager found when checking a verification."""

    GENUINE = "genuine"
    NOT_GENUINE = "not_genuine"
    UNCLEAR = "unclear"


def sample_size(candidates: int) -> int:
    """How many of a doctor's ``candidates`` to ask about: 5 % rounded up, at least 3, at most all."""
    return min(candidates, max(SAMPLE_MINIMUM, math.ceil(candidates * SAMPLE_SHARE)))


def shuffled(candidate_ids: Sequence[str], seed: int, doctor_id: str) -> list[str]:
    """The candidates in the draw's order: reproducible from the draw's seed and the doctor.

    Sorted first, so the order the database returned them in does not matter.
    """
    order = sorted(candidate_ids)
    random.Random(f"{seed}:{doctor_id}").shuffle(order)
    return order


def previous_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before ``today``'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def answer_status(body: str) -> VerificationStatus | None:
    """``1`` confirms, ``2`` denies (trimmed); anything else answers no question."""
    word = ANSWER_WORDS.get(body.strip())
    return VerificationStatus(word) if word else None
