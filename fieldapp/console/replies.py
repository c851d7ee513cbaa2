"""The township's SMS picture: delivery by status, numbers to fix, and residents' replies to read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from fieldapp.auth.models import User
from fieldapp.auth.scoping import resident_village_clause
from fieldapp.dbtypes import current_change_seq
from fieldapp.extensions import db
from fieldapp.messaging.decisions import ReplyAction
from fieldapp.messaging.models import InboundMessage, Message
from fieldapp.org.models import Village
from fieldapp.replies.models import Reply, ReplyResident
from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow

LIST_LIMIT = 200
# Statuses a message ends in once the network has answered, and the one that counts as success.
# Statuses the network reported on; "sent" waits for a report (and the outbox provider never sends one).
FINISHED = ("delivered", "undelivered", "failed")
DELIVERED = "delivered"


def _township_residents(user: User, township_id: uuid.UUID) -> Any:
    return select(Resident.id).where(
        resident_village_clause(user, Resident.village_id),
        Resident.village_id.in_(select(Village.id).where(Village.township_id == township_id)),
    )


def status_counts(user: User, township_id: uuid.UUID, since: datetime) -> dict[str, int]:
    """SMS created since ``since`` for the township or its residents, by status."""
    query = (
        select(Message.status, func.count())
        .where(
            Message.created_at >= since,
            or_(
                Message.township_id == township_id,
                Message.resident_id.in_(_township_residents(user, township_id)),
            ),
        )
        .group_by(Message.status)
    )
    return {status: int(n) for status, n in db.session.execute(query)}


def delivery_rate(counts: dict[str, int]) -> float | None:
    """Delivered among the messages the network has reported on (None when it reported on none)."""
    finished = sum(counts.get(status, 0) for status in FINISHED)
    return counts.get(DELIVERED, 0) / finished if finished else None


def numbers_to_fix(user: User, township_id: uuid.UUID) -> list[Resident]:
    """Residents whose phone number the SMS provider rejected."""
    query = (
        select(Resident)
        .where(Resident.phone_invalid.is_(True), Resident.id.in_(_township_residents(user, township_id)))
        .order_by(Resident.village_id, Resident.name)
        .limit(LIST_LIMIT)
    )
    return list(db.session.scalars(query))


def unread_replies(user: User, township_id: uuid.UUID) -> list[tuple[InboundMessage, Resident]]:
    """Replies kept for a doctor to read (not opt-outs or confirmations), oldest first."""
    query = (
        select(InboundMessage, Resident)
        .join(Reply, Reply.inbound_id == InboundMessage.id)
        .join(ReplyResident, ReplyResident.reply_id == Reply.id)
        .join(Resident, Resident.id == ReplyResident.resident_id)
        .where(
            InboundMessage.action == ReplyAction.NOTE,
            InboundMessage.read_at.is_(None),
            Resident.id.in_(_township_residents(user, township_id)),
        )
        .order_by(InboundMessage.received_at)
        .limit(LIST_LIMIT)
    )
    return [(reply, resident) for reply, resident in db.session.execute(query)]


def mark_replies_read(user: User, township_id: uuid.UUID, reply_ids: list[int]) -> int:
    """Mark replies of the township's residents as read; returns how many changed."""
    now = utcnow()
    # A household phone's reply belongs to the township if any resident of the number lives there.
    theirs = (
        select(Reply.inbound_id)
        .join(ReplyResident, ReplyResident.reply_id == Reply.id)
        .where(
            Reply.inbound_id.in_(reply_ids),
            ReplyResident.resident_id.in_(_township_residents(user, township_id)),
        )
    )
    result = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id.in_(theirs), InboundMessage.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    # Read for everyone: the phones' copy too, which comes again in their pull.
    db.session.execute(
        update(Reply)
        .where(Reply.inbound_id.in_(theirs), Reply.read_at.is_(None))
        .values(read_at=now, read_by=user.id, change_seq=current_change_seq(db.session()))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
