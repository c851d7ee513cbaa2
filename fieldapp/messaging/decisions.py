"""Who gets which message, and when: DOMAIN.md's messaging rules as data plus pure functions.

Nothing here touches Flask or the database, so every boundary is testable on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MessagingRules:
    """DOMAIN.md's configurable numbers, with their defaults."""

    reminder_days_before: int = 3  # REMINDER_DAYS_BEFORE
    overdue_notice_days: int = 7  # OVERDUE_NOTICE_DAYS
    window_start: time = time(8, 0)  # SMS_WINDOW
    window_end: time = time(20, 0)
    max_send_attempts: int = 5
    retry_waits_s: tuple[int, ...] = (30, 120, 600, 1800)  # between the 5 tries, growing
    stale_sending_after: timedelta = timedelta(minutes=10)
    push_ttl_s: int = 24 * 3600


RULES = MessagingRules()

# Twilio error codes meaning the number itself is wrong: never retry, flag the phone.
INVALID_NUMBER_CODES = frozenset({21211, 21614})

OPT_OUT_WORDS = frozenset({"TD", "退订", "STOP", "UNSUBSCRIBE"})
OPT_IN_WORDS = frozenset({"START", "订阅"})
CONFIRM_WORDS = frozenset({"1"})


class SuppressedReason(StrEnum):
    """Why a message was recorded but never sent."""

    NO_CONSENT = "no_consent"
    OPTED_OUT = "opted_out"
    QUIET_HOURS = "quiet_hours"
    DUPLICATE = "duplicate"
    INVALID_NUMBER = "invalid_number"


class ReplyAction(StrEnum):
    """What an inbound SMS asks for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    CONFIRM = "confirm"
    NOTE = "note"
    VERIFICATION = "verification"  # 1 or 2 answering an open verification question


# A status may only move to one of higher rank; the three ends share the top rank.
STATUS_RANK = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "suppressed": 3,
}

# Twilio's delivery-report statuses as ours (``accepted``/``scheduled`` etc. say nothing new).
PROVIDER_STATUSES = {
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
}


def can_move(current: str, new: str) -> bool:
    """True when a message in ``current`` may move on to ``new`` (forward only)."""
    return STATUS_RANK[new] > STATUS_RANK[current]


def resident_block_reason(
    *, phone: str | None, sms_consent: bool, opted_out: bool, phone_invalid: bool
) -> SuppressedReason | None:
    """Why a resident must not be texted, or None when they may be."""
    if not sms_consent:
        return SuppressedReason.NO_CONSENT
    if opted_out:
        return SuppressedReason.OPTED_OUT
    if not phone or phone_invalid:
        return SuppressedReason.INVALID_NUMBER
    return None


def in_sms_window(local_now: datetime, rules: MessagingRules = RULES) -> bool:
    """True from 08:00 (inclusive) to 20:00 (exclusive) local time."""
    return rules.window_start <= local_now.time() < rules.window_end


def next_window_start(now: datetime, zone: ZoneInfo, rules: MessagingRules = RULES) -> datetime:
    """When the next send window opens (``now`` itself when inside the window)."""
    local = now.astimezone(zone)
    if in_sms_window(local, rules):
        return now
    day = local.date() if local.time() < rules.window_start else local.date() + timedelta(days=1)
    return datetime.combine(day, rules.window_start, tzinfo=zone)


def send_after_for(now: datetime, zone: ZoneInfo, respect_quiet_hours: bool) -> datetime | None:
    """The hold time of a new message: None to send at once, else the window's opening."""
    if not respect_quiet_hours:
        return None
    start = next_window_start(now, zone)
    return None if start == now else start


def notice_kind(due_on: date, today: date, rules: MessagingRules = RULES) -> str | None:
    """``reminder``, ``overdue`` or None for an enrollment due on ``due_on``, as of ``today``."""
    if due_on - timedelta(days=rules.reminder_days_before) <= today <= due_on:
        return "reminder"
    if today - due_on >= timedelta(days=rules.overdue_notice_days):
        return "overdue"
    return None


def combined_kind(kinds: list[str]) -> str:
    """One SMS for several enrollments: overdue wins over reminder."""
    return "overdue" if "overdue" in kinds else "reminder"


def reminder_bounds(today: date, rules: MessagingRules = RULES) -> tuple[date, date, date]:
    """``(reminder_from, reminder_to, overdue_until)`` due dates a scan on ``today`` looks at."""
    return (
        today,
        today + timedelta(days=rules.reminder_days_before),
        today - timedelta(days=rules.overdue_notice_days),
    )


def patrol_date_to_notify(now: datetime, zone: ZoneInfo, rules: MessagingRules = RULES) -> date:
    """Patrols on this date are announced by a scan at ``now``: the message goes the day before."""
    goes_at = next_window_start(now, zone, rules).astimezone(zone)
    return goes_at.date() + timedelta(days=1)


def classify_reply(body: str) -> ReplyAction:
    """What a resident's reply asks for (any case, surrounding blanks ignored)."""
    word = body.strip().upper()
    if word in OPT_OUT_WORDS:
        return ReplyAction.OPT_OUT
    if word in OPT_IN_WORDS:
        return ReplyAction.OPT_IN
    if word in CONFIRM_WORDS:
        return ReplyAction.CONFIRM
    return ReplyAction.NOTE


def retry_wait(
    attempt: int, waits: tuple[int, ...] = RULES.retry_waits_s, max_attempts: int = RULES.max_send_attempts
) -> int | None:
    """Seconds to wait after failed try number ``attempt`` (1-based), None when out of tries."""
    if attempt >= max_attempts:
        return None
    return waits[min(attempt, len(waits)) - 1]


def push_urgency(referral_urgency: str) -> str:
    """Web Push ``Urgency``: high for emergency referrals, normal otherwise."""
    return "high" if referral_urgency == "emergency" else "normal"


# GSM 03.38 basic character set and its extension table (which costs two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def sms_segments(body: str) -> int:
    """How many parts the network bills: GSM-7 160/153 septets, else UCS-2 70/67 code units."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in body)
        single, part = 160, 153
    else:
        length = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    if length <= single:
        return 1
    return -(-length // part)
