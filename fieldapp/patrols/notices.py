"""What residents are told about a patrol after its notice: a correction when it moves or is cancelled.

Corrections go through the messaging pipeline (consent, opt-out, quiet hours, one send per
dedupe key), only to residents whose notice of this patrol was actually queued or sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.messaging import texts
from fieldapp.messaging.models import Message, MessageKind, MessageStatus
from fieldapp.messaging.service import queue_sms
from fieldapp.org.models import Township, Village
from fieldapp.patrols.models import Patrol, PatrolStatus
from fieldapp.residents.models import Resident

NOT_TOLD = (MessageStatus.SUPPRESSED.value, MessageStatus.FAILED.value, MessageStatus.UNDELIVERED.value)


def told_residents(patrol_id: uuid.UUID) -> list[Resident]:
    """Residents whose notice of this patrol (the reminder scan's ``patrol:{id}:{resident}``) was queued or sent."""
    told = select(Message.resident_id).where(
        Message.dedupe_key.like(f"patrol:{patrol_id}:%"),
        Message.kind == MessageKind.PATROL.value,
        Message.status.not_in(NOT_TOLD),
    )
    return list(db.session.scalars(select(Resident).where(Resident.id.in_(told)).order_by(Resident.id)))


def correct(patrol: Patrol, *, now: datetime) -> int:
    """Queue the correction of this change (or the cancellation) to each resident told; once each."""
    residents = told_residents(patrol.id)
    if not residents:
        return 0
    village = db.session.get(Village, patrol.village_id)
    township = db.session.get(Township, patrol.township_id)
    if village is None or township is None:
        return 0
    step = "cancel" if patrol.status == PatrolStatus.CANCELLED else str(patrol.revision)
    for resident in residents:
        if patrol.status == PatrolStatus.CANCELLED:
            body = texts.patrol_cancelled_text(
                patrol.date, village.name, township.centre_name, resident.language
            )
        else:
            body = texts.patrol_moved_text(
                patrol.date, patrol.until, village.name, township.centre_name, resident.language
            )
        queue_sms(
            to=resident.phone,
            body=body,
            kind=MessageKind.PATROL.value,
            dedupe_key=f"patrol-correction:{patrol.id}:{step}:{resident.id}",
            resident_id=resident.id,
            township_id=patrol.township_id,
            respect_quiet_hours=True,
            now=now,
        )
    return len(residents)
