"""A resident's 1 or 2 answering an open verification question (called by the inbound handler)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.verifications.models import Verification
from fieldapp.verifications.rules import VerificationStatus, answer_status


def answer_open_question(phone: str, body: str, now: datetime) -> bool:
    """Record ``1`` (confirmed) or ``2`` (denied) on the phone's open question; False when none is open.

    A question is open from when it was asked until ``answer_by`` (7 days later); the
    draw asks at most one open question per phone, so the answer is never ambiguous.
    """
    status = answer_status(body)
    if status is None or not phone:
        return False
    question = db.session.scalar(
        select(Verification)
        .where(
            Verification.phone == phone,
            Verification.status == VerificationStatus.ASKED,
            Verification.asked_at <= now,
            Verification.answer_by > now,
        )
        .order_by(Verification.asked_at, Verification.id)
        .limit(1)
    )
    if question is None:
        return False
    question.status = status
    question.answered_at = now
    return True
