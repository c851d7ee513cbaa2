"""Residents' replies for their doctors: kept from inbound SMS, listed by area, marked read."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from fieldapp.audit.service import record_access
from fieldapp.auth.models import User
from fieldapp.auth.scoping import resident_clause
from fieldapp.errors import NotFoundError
from fieldapp.extensions import db
from fieldapp.messaging.models import InboundMessage
from fieldapp.replies.models import Reply, ReplyResident
from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow


def keep_reply(inbound: InboundMessage, resident_ids: Sequence[uuid.UUID]) -> Reply | None:
    """Keep an inbound SMS for every resident of its number (the caller commits); None without any."""
    if not resident_ids:
        return None
    reply = Reply(
        inbound_id=inbound.id,
        from_number=inbound.from_number,
        body=inbound.body,
        received_at=inbound.received_at,
        residents=[ReplyResident(resident_id=resident_id) for resident_id in dict.fromkeys(resident_ids)],
    )
    db.session.add(reply)
    return reply


def _seen_residents(user: User) -> Select[Any]:
    return select(Resident.id).where(resident_clause(user))


def visible_clause(user: User) -> ColumnElement[bool]:
    """Replies the user may read: those of at least one resident in the user's area."""
    mine = select(ReplyResident.reply_id).where(ReplyResident.resident_id.in_(_seen_residents(user)))
    return Reply.id.in_(mine)


def name_visible_residents(user: User, replies: Iterable[Reply]) -> None:
    """Set each reply's ``visible_resident_ids``: only the residents the user may see (API.md)."""
    rows = list(replies)
    every = {link.resident_id for reply in rows for link in reply.residents}
    seen = set(db.session.scalars(_seen_residents(user).where(Resident.id.in_(every)))) if every else set()
    for reply in rows:
        reply.visible_resident_ids = [
            link.resident_id for link in reply.residents if link.resident_id in seen
        ]


def list_replies(
    user: User, resident_id: uuid.UUID | None, unread: bool, page: int, per_page: int
) -> tuple[list[Reply], int]:
    """A page of the replies the user may read, newest first, and their total."""
    conditions = [visible_clause(user)]
    if resident_id is not None:
        conditions.append(
            Reply.id.in_(select(ReplyResident.reply_id).where(ReplyResident.resident_id == resident_id))
        )
    if unread:
        conditions.append(Reply.read_at.is_(None))
    total = db.session.scalar(select(func.count(Reply.id)).where(*conditions)) or 0
    rows = list(
        db.session.scalars(
            select(Reply)
            .where(*conditions)
            .order_by(Reply.received_at.desc(), Reply.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    name_visible_residents(user, rows)
    return rows, total


def mark_read(user: User, reply_id: uuid.UUID, now: datetime | None = None) -> Reply:
    """Mark a reply read for everyone (the console's copy too); reading it again changes nothing."""
    reply = db.session.scalar(select(Reply).where(Reply.id == reply_id, visible_clause(user)))
    if reply is None:
        raise NotFoundError("No such reply.")
    if reply.read_at is None:
        reply.read_at = now or utcnow()
        reply.read_by = user.id
        inbound = db.session.get(InboundMessage, reply.inbound_id)
        if inbound is not None and inbound.read_at is None:
            inbound.read_at = reply.read_at
        record_access(user, "update", "reply", reply.id)
    db.session.commit()
    name_visible_residents(user, [reply])
    return reply
