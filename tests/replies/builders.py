"""Builders for replies: an SMS from a number, kept for every resident who has it."""

from __future__ import annotations

from fieldapp.extensions import db
from fieldapp.messaging.models import InboundMessage
from fieldapp.replies.models import Reply
from fieldapp.replies.service import keep_reply
from fieldapp.residents.models import Resident
from fieldapp.timeutil import utcnow


def create_reply(*residents: Resident, body: str = "头晕得厉害，明天能来看看吗") -> Reply:
    """A note-reply from the first resident's phone, belonging to each of ``residents``."""
    phone = residents[0].phone or "+8613800000000"
    inbound = InboundMessage(from_number=phone, body=body, action="note", received_at=utcnow())
    db.session.add(inbound)
    db.session.flush()
    reply = keep_reply(inbound, [resident.id for resident in residents])
    assert reply is not None
    db.session.commit()
    return reply
