"""Telling people about referrals: who is told, by which channel, with which text.

The audiences and channels are data in :mod:`fieldapp.referrals.rules`; this module
finds the people behind them (a few set-based queries per batch) and hands each
SMS and push to the messaging service, which stores it once per ``dedupe_key``
and sends it after the commit. Staff texts carry the referral number, urgency,
township and facility, never the resident's name or measurements. Staff SMS are
not held for quiet hours (an emergency at 3 a.m. must reach the desk).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_, select

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.messaging import service as messaging
from fieldapp.messaging import texts
from fieldapp.messaging.decisions import push_urgency
from fieldapp.messaging.models import MessageKind, MessageStatus
from fieldapp.org.models import Facility, Township
from fieldapp.referrals.models import Referral
from fieldapp.referrals.rules import (
    ACCEPTED_NOTICE,
    COMPLETED_NOTICE,
    CREATED_NOTICE,
    ESCALATION_NOTICES,
    Audience,
    Channel,
    Notice,
)
from fieldapp.residents.models import Resident

DEFAULT_LANGUAGE = "zh"
# Where a tap on a push leads, by the reader's role: the desk, the township's referrals, the field app.
PUSH_PAGES: dict[str, str] = {
    Role.REFERRAL_DESK: "/console/desk",
    Role.TOWNSHIP_MANAGER: "/console/referrals?township_id={township_id}",
    Role.COUNTY_ADMIN: "/console/referrals?township_id={township_id}",
}
# The referring doctor's phone opens the resident's referrals (status, appointment, down-referral).
FIELD_PAGE = "/field/#/referrals/{resident_id}?referral={referral_id}"

# Which active staff (rows of id, role, facility_id, township_id) make up each audience of a referral.
STAFF_AUDIENCES: dict[Audience, Callable[[Any, Referral], bool]] = {
    Audience.FACILITY_DESK: lambda u, r: u.role == Role.REFERRAL_DESK and u.facility_id == r.facility_id,
    Audience.TOWNSHIP_MANAGERS: lambda u, r: (
        u.role == Role.TOWNSHIP_MANAGER and u.township_id == r.township_id
    ),
    Audience.COUNTY_ADMINS: lambda u, _r: u.role == Role.COUNTY_ADMIN,
    Audience.REFERRING_DOCTOR: lambda u, r: u.id == r.referred_by,
}


@dataclass(frozen=True)
class Recipient:
    """A member of staff or a facility's phone: push goes to ``user_id``, SMS to ``phone``."""

    user_id: uuid.UUID | None
    phone: str | None
    language: str
    role: str | None = None

    def page(self, referral: Referral) -> str:
        """The page a push to this person opens."""
        return PUSH_PAGES.get(self.role or "", FIELD_PAGE).format(
            township_id=referral.township_id, resident_id=referral.resident_id, referral_id=referral.id
        )


class Directory:
    """The staff, facilities and townships a batch of referrals needs, loaded in three queries."""

    def __init__(self, referrals: Sequence[Referral]) -> None:
        facility_ids = {r.facility_id for r in referrals}
        township_ids = {r.township_id for r in referrals}
        doctor_ids = {r.referred_by for r in referrals if r.referred_by is not None}
        self.facilities = {
            f.id: f for f in db.session.scalars(select(Facility).where(Facility.id.in_(facility_ids)))
        }
        self.townships = {
            t.id: t for t in db.session.scalars(select(Township).where(Township.id.in_(township_ids)))
        }
        # Every member of any audience of these referrals, in one query (narrowed per referral below).
        self._staff = db.session.execute(
            select(User.id, User.role, User.facility_id, User.township_id, User.phone, User.language)
            .where(
                User.active.is_(True),
                or_(
                    and_(User.role == Role.REFERRAL_DESK, User.facility_id.in_(facility_ids)),
                    and_(User.role == Role.TOWNSHIP_MANAGER, User.township_id.in_(township_ids)),
                    User.role == Role.COUNTY_ADMIN,
                    User.id.in_(doctor_ids),
                ),
            )
            .order_by(User.username)
        ).all()

    def members(self, referral: Referral, audience: Audience) -> list[Recipient]:
        """The people (or phone) behind ``audience`` for this referral."""
        if audience == Audience.FACILITY_PHONE:
            phone = self.facilities[referral.facility_id].phone
            return [Recipient(None, phone, DEFAULT_LANGUAGE)] if phone else []
        belongs = STAFF_AUDIENCES[audience]
        return [
            Recipient(row.id, row.phone, row.language, row.role)
            for row in self._staff
            if belongs(row, referral)
        ]

    def names(self, referral: Referral) -> tuple[str, str]:
        """The township and facility names staff texts use."""
        return self.townships[referral.township_id].name, self.facilities[referral.facility_id].name


class Event(StrEnum):
    """What happened to a referral (the names :func:`texts.referral_push` knows)."""

    CREATED = "created"
    ESCALATED = "escalated"
    ACCEPTED = "accepted"
    COMPLETED = "completed"


# Staff SMS by event: (reference, urgency, township, facility, level, language) -> text.
STAFF_SMS: dict[Event, Callable[[str, str, str, str, int, str], str]] = {
    Event.CREATED: lambda ref, urgency, township, facility, _level, lang: texts.referral_created_text(
        ref, urgency, township, facility, lang
    ),
    Event.ESCALATED: lambda ref, urgency, township, facility, level, lang: texts.referral_escalated_text(
        ref, urgency, township, facility, level, lang
    ),
    Event.COMPLETED: lambda ref, _urgency, _township, facility, _level, lang: (
        texts.referral_completed_staff_text(ref, facility, lang)
    ),
}


@dataclass(frozen=True)
class Occasion:
    """One referral event being announced: the texts and dedupe keys follow from it."""

    referral: Referral
    event: Event
    level: int
    township: str
    facility: str
    now: datetime

    def key(self, channel: Channel, to: str) -> str:
        """The dedupe key: one message per referral, event (level), channel and recipient."""
        level = f":{self.level}" if self.level else ""
        return f"referral:{self.referral.id}:{self.event}{level}:{channel}:{to}"


def _address(person: Recipient, channel: Channel) -> str | None:
    """Where ``channel`` reaches ``person``: a phone for SMS, a user id for push."""
    if channel == Channel.SMS:
        return person.phone
    return str(person.user_id) if person.user_id else None


def _sms_staff(occasion: Occasion, person: Recipient, to: str) -> bool:
    """Queue a staff SMS (never held for quiet hours); True unless the messaging service suppressed it."""
    referral = occasion.referral
    body = STAFF_SMS[occasion.event](
        referral.reference,
        referral.urgency,
        occasion.township,
        occasion.facility,
        occasion.level,
        person.language,
    )
    message = messaging.queue_sms(
        to=to,
        body=body,
        kind=MessageKind.ESCALATION if occasion.event == Event.ESCALATED else MessageKind.REFERRAL,
        dedupe_key=occasion.key(Channel.SMS, to),
        user_id=person.user_id,
        facility_id=referral.facility_id,
        township_id=referral.township_id,
        referral_id=referral.id,
        respect_quiet_hours=False,
        now=occasion.now,
    )
    return bool(message.status != MessageStatus.SUPPRESSED)


def _push_staff(occasion: Occasion, person: Recipient, to: str) -> bool:
    """Queue a push to a member of staff; True when the messaging service took it."""
    referral = occasion.referral
    payload = texts.referral_push(
        occasion.event,
        number=referral.reference,
        urgency=referral.urgency,
        township_name=occasion.township,
        facility_name=occasion.facility,
        url=person.page(referral),
        lang=person.language,
        level=occasion.level,
    )
    delivery = messaging.queue_push(
        user_id=uuid.UUID(to),
        title=payload["title"],
        body=payload["body"],
        url=payload["url"],
        urgency=push_urgency(referral.urgency),
        dedupe_key=occasion.key(Channel.PUSH, to),
    )
    return delivery is not None


SENDERS: dict[Channel, Callable[[Occasion, Recipient, str], bool]] = {
    Channel.SMS: _sms_staff,
    Channel.PUSH: _push_staff,
}


def _tell(
    referral: Referral, notice: Notice, directory: Directory, event: Event, now: datetime, level: int = 0
) -> list[dict[str, str]]:
    """Queue the notice's SMS and pushes, once per channel and address; return ``[{channel, to}]`` told."""
    township, facility = directory.names(referral)
    occasion = Occasion(referral, event, level, township, facility, now)
    told: list[dict[str, str]] = []
    seen: set[tuple[Channel, str]] = set()
    for audience, channels in notice:
        for person in directory.members(referral, audience):
            for channel in channels:
                to = _address(person, channel)
                if to is None or (channel, to) in seen:
                    continue
                seen.add((channel, to))
                if SENDERS[channel](occasion, person, to):
                    told.append({"channel": str(channel), "to": to})
    return told


def announce_created(referral: Referral, *, now: datetime) -> list[dict[str, str]]:
    """A new referral: push to the facility's desk, SMS to the facility's phone."""
    return _tell(referral, CREATED_NOTICE, Directory([referral]), Event.CREATED, now)


def announce_escalation(
    referral: Referral, level: int, directory: Directory, *, now: datetime
) -> list[dict[str, str]]:
    """An escalation level reached: its audiences are told; returns who was told, by which channel."""
    return _tell(referral, ESCALATION_NOTICES[level], directory, Event.ESCALATED, now, level)


def announce_accepted(referral: Referral, *, now: datetime) -> None:
    """Accepted: push to the referring doctor; SMS to the resident (consent checked by messaging)."""
    directory = Directory([referral])
    _tell(referral, ACCEPTED_NOTICE, directory, Event.ACCEPTED, now)
    resident = db.session.get(Resident, referral.resident_id)
    assert resident is not None
    township = directory.townships[referral.township_id]
    messaging.queue_sms(
        to=resident.phone,
        body=texts.referral_accepted_resident_text(
            directory.facilities[referral.facility_id].name,
            referral.appointment_at,
            township.centre_name,
            resident.language,
        ),
        kind=MessageKind.REFERRAL,
        dedupe_key=f"referral:{referral.id}:accepted:resident",
        resident_id=resident.id,
        township_id=referral.township_id,
        referral_id=referral.id,
        respect_quiet_hours=True,
        now=now,
    )


def announce_completed(referral: Referral, *, now: datetime) -> None:
    """Completed (down-referral): the referring doctor is told by push and SMS."""
    _tell(referral, COMPLETED_NOTICE, Directory([referral]), Event.COMPLETED, now)
