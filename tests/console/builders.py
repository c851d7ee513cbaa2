"""Builders for console tests: enrollments, follow-ups, referrals and messages as rows."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from fieldapp.dbtypes import next_counter_value
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.messaging.models import InboundMessage, Message
from fieldapp.referrals.models import Referral
from fieldapp.replies.service import keep_reply
from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow

_serial = itertools.count(1)


def create_enrollment(resident: Resident, *, condition: str = "hypertension", **fields: Any) -> Enrollment:
    values: dict[str, Any] = {
        "resident_id": resident.id,
        "condition": condition,
        "status": "active",
        "enrolled_on": date(2026, 1, 5),
        "next_due_on": date(2026, 12, 1),
    }
    values.update(fields)
    enrollment = Enrollment(**values)
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def create_followup(enrollment: Enrollment, performed_at: datetime, **fields: Any) -> FollowUp:
    values: dict[str, Any] = {
        "enrollment_id": enrollment.id,
        "resident_id": enrollment.resident_id,
        "condition": enrollment.condition,
        "performed_at": performed_at,
        "mode": "clinic",
        "sbp": 132,
        "dbp": 84,
        "classification": "controlled",
        "next_due_on": performed_at.date() + timedelta(days=90),
    }
    values.update(fields)
    followup = FollowUp(**values)
    db.session.add(followup)
    db.session.commit()
    return followup


def create_referral_row(
    resident: Resident, facility_id: Any, urgency: str = "emergency", **fields: Any
) -> Referral:
    windows = {
        "emergency": timedelta(minutes=15),
        "urgent": timedelta(hours=2),
        "routine": timedelta(hours=24),
    }
    created = fields.pop("created_at", utcnow())
    values: dict[str, Any] = {
        "number": next_counter_value(db.session, "referral"),
        "resident_id": resident.id,
        "facility_id": facility_id,
        "township_id": resident.village.township_id,
        "urgency": urgency,
        "reason": "血压 190/120，头痛",
        "status": "pending",
        "created_at": created,
        "ack_deadline": created + windows[urgency],
    }
    values.update(fields)
    referral = Referral(**values)
    db.session.add(referral)
    db.session.commit()
    return referral


def create_message(resident: Resident | None, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "dedupe_key": f"test-{next(_serial)}",
        "to": resident.phone if resident else "+8613900000000",
        "resident_id": resident.id if resident else None,
        "township_id": resident.village.township_id if resident else None,
        "kind": "reminder",
        "body": "请按时随访。回复TD退订",
        "status": "delivered",
    }
    values.update(fields)
    message = Message(**values)
    db.session.add(message)
    db.session.commit()
    return message


def create_reply(resident: Resident, body: str = "下周再来可以吗") -> InboundMessage:
    reply = InboundMessage(
        provider_sid=f"SM{next(_serial):032d}",
        from_number=resident.phone or "+8613900000000",
        body=body,
        action="note",
        resident_id=resident.id,
    )
    db.session.add(reply)
    db.session.flush()
    keep_reply(reply, [resident.id])  # kept for the doctors, as inbound handling does
    db.session.commit()
    return reply
