"""Referral rules of DOMAIN.md as data plus pure functions (no Flask, no database).

Sources: DOMAIN.md "Referrals and escalation"; 《县域高血压分级诊疗技术方案》(2022)
for two-way referral (upward to the county, down-referral back to the township).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum


class Urgency(StrEnum):
    """How fast the county facility must acknowledge a referral."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"


class ReferralStatus(StrEnum):
    """Where a referral stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Transition(StrEnum):
    """A change of status someone asks for."""

    ACCEPT = "accept"
    DECLINE = "decline"
    COMPLETE = "complete"
    CANCEL = "cancel"


class Channel(StrEnum):
    """How a member of staff is told."""

    SMS = "sms"
    PUSH = "push"


class Audience(StrEnum):
    """Who is told about a referral."""

    FACILITY_DESK = "facility_desk"
    FACILITY_PHONE = "facility_phone"
    TOWNSHIP_MANAGERS = "township_managers"
    COUNTY_ADMINS = "county_admins"
    REFERRING_DOCTOR = "referring_doctor"


# The acknowledgement window by urgency: ack_deadline = created + window.
ACK_WINDOWS: dict[Urgency, timedelta] = {
    Urgency.EMERGENCY: timedelta(minutes=15),
    Urgency.URGENT: timedelta(hours=2),
    Urgency.ROUTINE: timedelta(hours=24),
}

# The state machine: transition -> (statuses it may start from, status it leads to). Nothing else;
# strict, so repeating a change (accepting an accepted referral) is refused like any other.
TRANSITIONS: dict[Transition, tuple[frozenset[ReferralStatus], ReferralStatus]] = {
    Transition.ACCEPT: (frozenset({ReferralStatus.PENDING}), ReferralStatus.ACCEPTED),
    Transition.DECLINE: (frozenset({ReferralStatus.PENDING}), ReferralStatus.DECLINED),
    Transition.COMPLETE: (frozenset({ReferralStatus.ACCEPTED}), ReferralStatus.COMPLETED),
    Transition.CANCEL: (
        frozenset({ReferralStatus.PENDING, ReferralStatus.ACCEPTED}),
        ReferralStatus.CANCELLED,
    ),
}

# Facility kinds that receive upward referrals.
RECEIVING_FACILITY_KINDS = frozenset({"county_hospital"})

# Escalation level -> the multiple of the acknowledgement window after creation it is due at.
ESCALATION_WINDOW_MULTIPLES: dict[int, int] = {1: 1, 2: 2}
# Only a pending referral escalates.
ESCALATING_STATUS = ReferralStatus.PENDING

Notice = tuple[tuple[Audience, tuple[Channel, ...]], ...]

# Who is told, by which channels, when a referral is created and at each escalation level.
CREATED_NOTICE: Notice = (
    (Audience.FACILITY_DESK, (Channel.PUSH,)),
    (Audience.FACILITY_PHONE, (Channel.SMS,)),
)
ESCALATION_NOTICES: dict[int, Notice] = {
    1: (
        (Audience.FACILITY_DESK, (Channel.PUSH, Channel.SMS)),
        (Audience.FACILITY_PHONE, (Channel.SMS,)),
        (Audience.TOWNSHIP_MANAGERS, (Channel.SMS, Channel.PUSH)),
    ),
    2: ((Audience.COUNTY_ADMINS, (Channel.SMS, Channel.PUSH)),),
}
ACCEPTED_NOTICE: Notice = ((Audience.REFERRING_DOCTOR, (Channel.PUSH,)),)
COMPLETED_NOTICE: Notice = ((Audience.REFERRING_DOCTOR, (Channel.PUSH, Channel.SMS)),)

# Down-referral: the resident's enrollment is due for a follow-up within this many days.
DOWN_REFERRAL_RECHECK_DAYS = 14
# Two weeks after an emergency or urgent referral the doctor checks how it went (转诊情况):
# the enrollment is due no later than created + DOWN_REFERRAL_RECHECK_DAYS.
CHECKED_AFTER = frozenset({Urgency.EMERGENCY, Urgency.URGENT})


class InvalidTransition(Exception):
    """The asked-for change is not allowed from the current status."""

    def __init__(self, current: str, transition: str) -> None:
        super().__init__(f"cannot {transition} a referral that is {current}")
        self.current = current
        self.transition = transition


def ack_window(urgency: str) -> timedelta:
    """How long the facility has to acknowledge a referral of this urgency."""
    return ACK_WINDOWS[Urgency(urgency)]


def ack_deadline(created_at: datetime, urgency: str) -> datetime:
    """When the facility must have accepted the referral."""
    return created_at + ack_window(urgency)


def escalation_due_at(created_at: datetime, urgency: str, level: int) -> datetime:
    """When escalation ``level`` is due: created + multiple × window."""
    return created_at + ESCALATION_WINDOW_MULTIPLES[level] * ack_window(urgency)


def next_status(current: str, transition: str) -> ReferralStatus:
    """The status ``transition`` leads to from ``current``; InvalidTransition if not allowed."""
    sources, target = TRANSITIONS[Transition(transition)]
    if current not in sources:
        raise InvalidTransition(current=current, transition=transition)
    return target


def levels_due(status: str, created_at: datetime, urgency: str, reached: int, now: datetime) -> list[int]:
    """Escalation levels above ``reached`` due by ``now``, lowest first; none unless pending."""
    if status != ESCALATING_STATUS:
        return []
    return [
        level
        for level in sorted(ESCALATION_WINDOW_MULTIPLES)
        if level > reached and escalation_due_at(created_at, urgency, level) <= now
    ]


def recheck_due_by(today: date) -> date:
    """After a down-referral the resident is due for a follow-up by this date (or earlier if due sooner)."""
    return today + timedelta(days=DOWN_REFERRAL_RECHECK_DAYS)
