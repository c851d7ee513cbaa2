"""The referral rules of DOMAIN.md: deadlines, the state machine, the ladder, the down-referral."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp.referrals.rules import (
    InvalidTransition,
    ack_deadline,
    escalation_due_at,
    levels_due,
    next_status,
    recheck_due_by,
)

CREATED = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)

WINDOWS = {"emergency": timedelta(minutes=15), "urgent": timedelta(hours=2), "routine": timedelta(hours=24)}

# Every (status, transition) pair and where it leads; None: 409 invalid_transition.
STATE_TABLE = {
    ("pending", "accept"): "accepted",
    ("pending", "decline"): "declined",
    ("pending", "complete"): None,
    ("pending", "cancel"): "cancelled",
    ("accepted", "accept"): None,
    ("accepted", "decline"): None,
    ("accepted", "complete"): "completed",
    ("accepted", "cancel"): "cancelled",
    ("declined", "accept"): None,
    ("declined", "decline"): None,
    ("declined", "complete"): None,
    ("declined", "cancel"): None,
    ("completed", "accept"): None,
    ("completed", "decline"): None,
    ("completed", "complete"): None,
    ("completed", "cancel"): None,
    ("cancelled", "accept"): None,
    ("cancelled", "decline"): None,
    ("cancelled", "complete"): None,
    ("cancelled", "cancel"): None,
}


@pytest.mark.parametrize(("urgency", "window"), WINDOWS.items())
def test_ack_deadline_is_created_plus_the_urgency_window(urgency: str, window: timedelta) -> None:
    assert ack_deadline(CREATED, urgency) == CREATED + window


@pytest.mark.parametrize(("urgency", "window"), WINDOWS.items())
def test_level_two_is_due_at_twice_the_window(urgency: str, window: timedelta) -> None:
    assert escalation_due_at(CREATED, urgency, 1) == CREATED + window
    assert escalation_due_at(CREATED, urgency, 2) == CREATED + 2 * window


@pytest.mark.parametrize(("current", "transition"), STATE_TABLE)
def test_state_machine(current: str, transition: str) -> None:
    expected = STATE_TABLE[(current, transition)]
    if expected is None:
        with pytest.raises(InvalidTransition):
            next_status(current, transition)
    else:
        assert next_status(current, transition) == expected


@pytest.mark.parametrize("urgency", WINDOWS)
@pytest.mark.parametrize(
    ("offset", "reached", "expected"),
    [
        (lambda w: w - SECOND, 0, []),
        (lambda w: w, 0, [1]),
        (lambda w: w + SECOND, 0, [1]),
        (lambda w: 2 * w - SECOND, 1, []),
        (lambda w: 2 * w, 1, [2]),
        (lambda w: 2 * w + SECOND, 1, [2]),
        (lambda w: 2 * w, 0, [1, 2]),
        (lambda w: 10 * w, 2, []),
    ],
    ids=["before-1", "at-1", "after-1", "before-2", "at-2", "after-2", "late-both", "top"],
)
def test_levels_due_on_the_boundaries(urgency: str, offset, reached: int, expected: list[int]) -> None:  # type: ignore[no-untyped-def]
    now = CREATED + offset(WINDOWS[urgency])
    assert levels_due("pending", CREATED, urgency, reached, now) == expected


@pytest.mark.parametrize("status", ["accepted", "declined", "completed", "cancelled"])
def test_only_a_pending_referral_escalates(status: str) -> None:
    assert levels_due(status, CREATED, "emergency", 0, CREATED + timedelta(days=3)) == []


def test_down_referral_brings_the_follow_up_within_14_days() -> None:
    assert recheck_due_by(date(2026, 11, 22)) == date(2026, 12, 6)
    assert recheck_due_by(date(2026, 12, 31)) == date(2027, 1, 14)
