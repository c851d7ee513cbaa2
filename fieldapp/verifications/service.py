"""The monthly verification sample: draw, ask by SMS, expire, list and review.

The draw takes, per doctor, a random sample of the previous month's face-to-face
follow-ups whose residents can be asked by SMS (phone, consent, not opted out, phone
not flagged invalid). The order comes from the seed stored with the month's draw
(``rules.shuffled``), so the same candidates and seed give the same sample. A month is
drawn once; a follow-up is asked about once, ever; a phone has at most one open question.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, true, update
from sqlalchemy.exc import IntegrityError

from fieldapp.assessment.periods import Period, local_day
from fieldapp.audit.service import record_bulk_read
from fieldapp.auth.models import Role, User
from fieldapp.auth.scoping import TOWNSHIP_ROLES
from fieldapp.errors import ForbiddenError, NotFoundError
from fieldapp.extensions import db
from fieldapp.followups.models import FollowUp
from fieldapp.followups.rules import FACE_TO_FACE_MODES
from fieldapp.messaging import clock, texts
from fieldapp.messaging.models import MessageKind, SmsOptOut
from fieldapp.messaging.service import queue_sms
from fieldapp.org.models import Township, Village
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today
from fieldapp.verifications.models import Verification, VerificationDraw
from fieldapp.verifications.rules import (
    ANSWER_DAYS,
    VerificationStatus,
    previous_month,
    sample_size,
    shuffled,
)

SEED_BITS = 62  # fits a signed BIGINT


def expire_unanswered(now: datetime | None = None) -> int:
    """Questions unanswered after 7 days become ``no_answer``; how many did."""
    now = now or clock.now()
    result = db.session.execute(
        update(Verification)
        .where(Verification.status == VerificationStatus.ASKED, Verification.answer_by <= now)
        .values(status=VerificationStatus.NO_ANSWER)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expire_questions(now: datetime | None = None) -> int:
    """The periodic job's work: expire unanswered questions and commit."""
    expired = expire_unanswered(now)
    db.session.commit()
    return expired


def _candidates(month: Period) -> list[Any]:
    """The month's face-to-face follow-ups whose residents may be asked, never asked about before."""
    asked_phones = select(Verification.phone).where(Verification.status == VerificationStatus.ASKED)
    return list(
        db.session.execute(
            select(
                FollowUp.id,
                FollowUp.performed_by,
                local_day(FollowUp.performed_at).label("performed_on"),
                Resident.id.label("resident_id"),
                Resident.name,
                Resident.phone,
                Resident.language,
                Township,
            )
            .join(Resident, Resident.id == FollowUp.resident_id)
            .join(Village, Village.id == Resident.village_id)
            .join(Township, Township.id == Village.township_id)
            .where(
                month.contains(FollowUp.performed_at),
                FollowUp.mode.in_(FACE_TO_FACE_MODES),
                FollowUp.performed_by.is_not(None),
                Resident.phone.is_not(None),
                Resident.sms_consent.is_(True),
                Resident.opted_out.is_(False),
                Resident.phone_invalid.is_(False),
                Resident.phone.not_in(select(SmsOptOut.phone)),
                Resident.phone.not_in(asked_phones),
                FollowUp.id.not_in(select(Verification.followup_id)),
            )
        )
    )


def choose(rows: list[Any], seed: int) -> list[Any]:
    """Each doctor's sample from the candidate rows, in the seed's order, one question per phone."""
    by_doctor: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        by_doctor[str(row.performed_by)][str(row.id)] = row
    chosen, phones = [], set()
    for doctor in sorted(by_doctor):
        rows_of = by_doctor[doctor]
        wanted = sample_size(len(rows_of))
        taken = 0
        for followup_id in shuffled(list(rows_of), seed, doctor):
            row = rows_of[followup_id]
            if taken == wanted:
                break
            if row.phone in phones:
                continue
            phones.add(row.phone)
            chosen.append(row)
            taken += 1
    return chosen


def _ask(draw: VerificationDraw, row: Any, now: datetime) -> Verification:
    township: Township = row.Township
    message = queue_sms(
        to=row.phone,
        body=texts.verification_text(row.name, row.performed_on, township.centre_name, row.language),
        kind=MessageKind.VERIFICATION,
        dedupe_key=f"verification:{row.id}",
        resident_id=row.resident_id,
        township_id=township.id,
        respect_quiet_hours=True,
        now=now,
    )
    asked_at = message.send_after or now
    verification = Verification(
        draw_id=draw.id,
        followup_id=row.id,
        resident_id=row.resident_id,
        doctor_id=row.performed_by,
        township_id=township.id,
        phone=row.phone,
        performed_on=row.performed_on,
        status=VerificationStatus.ASKED,
        asked_at=asked_at,
        answer_by=asked_at + timedelta(days=ANSWER_DAYS),
        message_id=message.id,
    )
    db.session.add(verification)
    return verification


def draw_month(now: datetime | None = None, seed: int | None = None) -> dict[str, Any]:
    """Expire old questions, then draw and ask the previous month's sample (once a month)."""
    now = now or clock.now()
    expired = expire_unanswered(now)
    first_day, _last_day = previous_month(local_today(now))
    month = Period.month_of(first_day)
    result: dict[str, Any] = {"month": month.code, "expired": expired, "drawn": 0}
    if db.session.scalar(select(VerificationDraw.id).where(VerificationDraw.month == month.code)):
        db.session.commit()
        return result
    draw = VerificationDraw(
        month=month.code,
        seed=seed if seed is not None else secrets.randbits(SEED_BITS),
        drawn_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(draw)
    except IntegrityError:
        # Another worker drew this month at the same moment: that draw stands.
        db.session.commit()
        return result
    chosen = choose(_candidates(month), draw.seed)
    for row in chosen:
        _ask(draw, row, now)
    db.session.commit()
    result.update(drawn=len(chosen), seed=draw.seed)
    return result


# Reading and reviewing


def _require_reader(user: User) -> None:
    if user.role not in (Role.TOWNSHIP_MANAGER, Role.COUNTY_ADMIN):
        raise ForbiddenError("Verifications are for township managers and county admins.")


def _area_clause(user: User, township_id: uuid.UUID | None) -> ColumnElement[bool]:
    """The caller's verifications, of one township when asked (another one than their own is 404)."""
    if user.role in TOWNSHIP_ROLES:
        if township_id is not None and township_id != user.township_id:
            raise NotFoundError("No such township.")
        return Verification.township_id == user.township_id
    if township_id is not None:
        if db.session.get(Township, township_id) is None:
            raise NotFoundError("No such township.")
        return Verification.township_id == township_id
    return true()


def list_verifications(
    user: User, filters: dict[str, Any], page: int = 1, per_page: int = 50
) -> tuple[list[Any], int]:
    """A page of ``(verification, resident, doctor)`` rows, oldest question first."""
    _require_reader(user)
    query = select(Verification).where(_area_clause(user, filters.get("township_id")))
    for name in ("status", "doctor_id", "resident_id", "draw_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(Verification, name) == filters[name])
    if filters.get("period") is not None:
        period: Period = filters["period"]
        query = query.where(Verification.performed_on.between(period.first_day, period.last_day))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(
        select(Verification, Resident, User)
        .join(Resident, Resident.id == Verification.resident_id)
        .join(User, User.id == Verification.doctor_id)
        .where(Verification.id.in_(query.with_only_columns(Verification.id)))
        .order_by(Verification.asked_at, Verification.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    given = {**filters, "page": page, "per_page": per_page}
    if filters.get("period") is not None:
        given["period"] = filters["period"].code
    record_bulk_read(user, "verifications", given, len(rows))
    return list(rows), int(total)


def review(user: User, verification_id: uuid.UUID, finding: str, note: str | None) -> Verification:
    """The township manager records what they found when they called the resident."""
    if user.role != Role.TOWNSHIP_MANAGER:
        raise ForbiddenError("Township managers review verifications.")
    verification = db.session.scalar(
        select(Verification).where(
            Verification.id == verification_id, Verification.township_id == user.township_id
        )
    )
    if verification is None:
        raise NotFoundError("No such verification.")
    verification.finding = finding
    verification.review_note = note
    verification.reviewed_by = user.id
    verification.reviewed_at = clock.now()
    db.session.commit()
    return verification
