"""DOMAIN.md's messaging rules, on every boundary (pure functions, no app)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from fieldapp.messaging.decisions import (
    ReplyAction,
    SuppressedReason,
    can_move,
    classify_reply,
    combined_kind,
    in_sms_window,
    next_window_start,
    notice_kind,
    patrol_date_to_notify,
    push_urgency,
    resident_block_reason,
    retry_wait,
    send_after_for,
    sms_segments,
)
from tests.messaging.fixtures import LOCAL, local

DUE = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (DUE - timedelta(days=4), None),
        (DUE - timedelta(days=3), "reminder"),
        (DUE, "reminder"),
        (DUE + timedelta(days=1), None),
        (DUE + timedelta(days=6), None),
        (DUE + timedelta(days=7), "overdue"),
        (DUE + timedelta(days=200), "overdue"),
    ],
)
def test_notice_kind_reminds_three_days_ahead_and_warns_a_week_late(
    today: date, expected: str | None
) -> None:
    assert notice_kind(DUE, today) == expected


def test_one_sms_for_several_enrollments_says_overdue_when_any_is() -> None:
    assert combined_kind(["reminder", "reminder"]) == "reminder"
    assert combined_kind(["reminder", "overdue"]) == "overdue"


@pytest.mark.parametrize(
    ("clock", "inside"),
    [
        (local(2026, 11, 22, 7, 59, 59), False),
        (local(2026, 11, 22, 8, 0), True),
        (local(2026, 11, 22, 19, 59, 59), True),
        (local(2026, 11, 22, 20, 0), False),
        (local(2026, 11, 22, 23, 30), False),
    ],
)
def test_send_window_is_eight_to_twenty_local(clock: datetime, inside: bool) -> None:
    assert in_sms_window(clock) is inside


def test_messages_found_at_night_wait_for_eight_o_clock() -> None:
    assert next_window_start(local(2026, 11, 22, 21, 0), LOCAL) == local(2026, 11, 23, 8, 0)
    assert next_window_start(local(2026, 11, 23, 3, 0), LOCAL) == local(2026, 11, 23, 8, 0)
    assert next_window_start(local(2026, 11, 23, 9, 0), LOCAL) == local(2026, 11, 23, 9, 0)
    assert send_after_for(local(2026, 11, 23, 9, 0), LOCAL, True) is None
    assert send_after_for(local(2026, 11, 23, 7, 0), LOCAL, True) == local(2026, 11, 23, 8, 0)
    assert send_after_for(local(2026, 11, 23, 7, 0), LOCAL, False) is None


def test_patrols_are_announced_the_day_before_within_the_window() -> None:
    assert patrol_date_to_notify(local(2026, 11, 22, 9, 0), LOCAL) == date(2026, 11, 23)
    # At night the notice would go at 08:00 next morning: that is the day before the day after.
    assert patrol_date_to_notify(local(2026, 11, 22, 21, 0), LOCAL) == date(2026, 11, 24)
    assert patrol_date_to_notify(local(2026, 11, 22, 1, 0), LOCAL) == date(2026, 11, 23)


def test_who_may_be_texted() -> None:
    ok = {"phone": "+8613900000001", "sms_consent": True, "opted_out": False, "phone_invalid": False}
    assert resident_block_reason(**ok) is None
    assert resident_block_reason(**{**ok, "sms_consent": False}) == SuppressedReason.NO_CONSENT
    assert resident_block_reason(**{**ok, "opted_out": True}) == SuppressedReason.OPTED_OUT
    assert resident_block_reason(**{**ok, "phone_invalid": True}) == SuppressedReason.INVALID_NUMBER
    assert resident_block_reason(**{**ok, "phone": None}) == SuppressedReason.INVALID_NUMBER


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("queued", "sending", True),
        ("sending", "sent", True),
        ("sent", "delivered", True),
        ("sent", "undelivered", True),
        ("sent", "failed", True),
        ("delivered", "sent", False),
        ("delivered", "undelivered", False),
        ("failed", "delivered", False),
        ("sent", "sent", False),
        ("sending", "queued", False),
    ],
)
def test_statuses_only_move_forward(current: str, new: str, allowed: bool) -> None:
    assert can_move(current, new) is allowed


@pytest.mark.parametrize(
    ("body", "action"),
    [
        ("TD", ReplyAction.OPT_OUT),
        ("  td \n", ReplyAction.OPT_OUT),
        ("退订", ReplyAction.OPT_OUT),
        ("Stop", ReplyAction.OPT_OUT),
        ("unsubscribe", ReplyAction.OPT_OUT),
        ("start", ReplyAction.OPT_IN),
        (" 订阅 ", ReplyAction.OPT_IN),
        ("1", ReplyAction.CONFIRM),
        (" 1 ", ReplyAction.CONFIRM),
        ("11", ReplyAction.NOTE),
        ("TD please", ReplyAction.NOTE),
        ("我明天来", ReplyAction.NOTE),
    ],
)
def test_replies_are_understood(body: str, action: ReplyAction) -> None:
    assert classify_reply(body) == action


def test_five_tries_with_growing_waits() -> None:
    waits = [retry_wait(attempt) for attempt in range(1, 6)]
    assert waits[-1] is None
    assert all(w is not None for w in waits[:4])
    assert waits[:4] == sorted(waits[:4]) and waits[0] < waits[3]


@pytest.mark.parametrize(
    ("length", "segments"),
    [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_chinese_counts_as_ucs2_70_then_67(length: int, segments: int) -> None:
    assert sms_segments("好" * length) == segments


@pytest.mark.parametrize(
    ("body", "segments"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("[" * 80, 1), ("[" * 81, 2)],
)
def test_latin_counts_as_gsm7_160_then_153(body: str, segments: int) -> None:
    assert sms_segments(body) == segments


def test_one_emoji_is_two_ucs2_units() -> None:
    assert sms_segments("a" * 68 + "😀") == 1
    assert sms_segments("a" * 69 + "😀") == 2


def test_emergency_pushes_are_high_urgency() -> None:
    assert push_urgency("emergency") == "high"
    assert push_urgency("urgent") == "normal"
