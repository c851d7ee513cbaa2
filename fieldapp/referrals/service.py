"""Upward referrals: create, accept, decline, complete, cancel, read; the escalation ladder."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError

from fieldapp.audit.service import record_access, record_bulk_read
from fieldapp.auth.models import Role, User
from fieldapp.auth.scoping import FIELD_ROLES, referral_clause, resident_clause
from fieldapp.dbtypes import fixed, next_counter_value
from fieldapp.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.followups.service import mark_recheck_due
from fieldapp.idempotency import insert_once
from fieldapp.org.models import Facility
from fieldapp.referrals import notices
from fieldapp.referrals.models import Referral, ReferralEscalation
from fieldapp.referrals.rules import (
    ACK_WINDOWS,
    CHECKED_AFTER,
    ESCALATING_STATUS,
    ESCALATION_WINDOW_MULTIPLES,
    RECEIVING_FACILITY_KINDS,
    InvalidTransition,
    ReferralStatus,
    Transition,
    ack_deadline,
    levels_due,
    next_status,
    recheck_due_by,
)
from fieldapp.referrals.schemas import DOWN_REFERRAL_SHEET
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today, utcnow

log = logging.getLogger(__name__)

REFERRAL_COUNTER = "referral"
ESCALATION_BATCH = 200

# Who may ask for each change (the area is checked first: outside it is 404).
TRANSITION_ROLES: dict[Transition, frozenset[str]] = {
    Transition.ACCEPT: frozenset({Role.REFERRAL_DESK}),
    Transition.DECLINE: frozenset({Role.REFERRAL_DESK}),
    Transition.COMPLETE: frozenset({Role.REFERRAL_DESK}),
    Transition.CANCEL: frozenset({*FIELD_ROLES, Role.COUNTY_ADMIN}),
}


def _check_references(user: User, data: dict[str, Any]) -> Resident:
    """The resident (404 outside the area), the facility and the follow-up (422 when wrong)."""
    resident = db.session.scalar(
        select(Resident).where(Resident.id == data["resident_id"], resident_clause(user))
    )
    if resident is None:
        raise NotFoundError("No such resident.")
    errors: dict[str, list[str]] = {}
    facility = db.session.get(Facility, data["facility_id"])
    if facility is None or facility.kind not in RECEIVING_FACILITY_KINDS:
        errors["facility_id"] = ["no such county facility"]
    if data.get("followup_id") is not None:
        owner = db.session.scalar(select(FollowUp.resident_id).where(FollowUp.id == data["followup_id"]))
        if owner != resident.id:
            errors["followup_id"] = ["no such follow-up of this resident"]
    if errors:
        raise ValidationError("Some fields are not valid.", fields=errors)
    return resident


def create_referral(user: User, data: dict[str, Any], now: datetime | None = None) -> tuple[Referral, bool]:
    """Refer a resident upward (idempotent by id) and tell the facility; ``(referral, created)``."""
    if user.role not in FIELD_ROLES:
        raise ForbiddenError("Only village and township staff refer residents.")
    resident = _check_references(user, data)
    # Whole seconds, as every instant is shown: an escalation check run at the ack_deadline a
    # client reads escalates, which a hidden fraction of a second would put off.
    created_at = (now or utcnow()).replace(microsecond=0)

    def build(digest: str) -> Referral:
        fields = {k: v for k, v in data.items() if v is not None or k != "id"}
        return Referral(
            **fields,
            number=next_counter_value(db.session(), REFERRAL_COUNTER),
            township_id=resident.village.township_id,
            referred_by=user.id,
            status=ReferralStatus.PENDING,
            created_at=created_at,
            updated_at=created_at,
            ack_deadline=ack_deadline(created_at, data["urgency"]),
            escalation_level=0,
            request_hash=digest,
        )

    referral, created = insert_once(Referral, data, build)
    if created:
        record_access(user, "create", "referral", referral.id)
        if referral.urgency in CHECKED_AFTER:
            # Two weeks on, the doctor checks how it went (转诊情况): due by created + 14 days.
            _schedule_recheck(referral, local_today(created_at))
        notices.announce_created(referral, now=created_at)
    db.session.commit()
    return referral, created


def get_referral(user: User, referral_id: uuid.UUID) -> Referral:
    """A referral in the user's area, or 404; the read is audited."""
    referral = _visible(user, referral_id)
    record_access(user, "read", "referral", referral.id)
    db.session.commit()
    return referral


def list_referrals(
    user: User, filters: dict[str, Any], *, page: int = 1, per_page: int = 50
) -> tuple[list[Referral], int]:
    """A page of the referrals the user may see, newest first; ``filters``: status, facility, township."""
    query = select(Referral).where(referral_clause(user))
    for name in ("status", "facility_id", "township_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(Referral, name) == filters[name])
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(
        db.session.scalars(
            query.order_by(Referral.created_at.desc(), Referral.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    record_bulk_read(user, "referrals", {**filters, "page": page, "per_page": per_page}, len(rows))
    return rows, total


def _visible(user: User, referral_id: uuid.UUID, *, lock: bool = False) -> Referral:
    query = select(Referral).where(Referral.id == referral_id, referral_clause(user))
    referral = db.session.scalar(query.with_for_update(of=Referral) if lock else query)
    if referral is None:
        raise NotFoundError("No such referral.")
    return referral


def _change(user: User, referral_id: uuid.UUID, transition: Transition, now: datetime | None) -> Referral:
    """Lock the referral, check area, role and status, and move it to its next status."""
    referral = _visible(user, referral_id, lock=True)
    if user.role not in TRANSITION_ROLES[transition]:
        raise ForbiddenError(f"Your role may not {transition} a referral.")
    try:
        referral.status = next_status(referral.status, transition)
    except InvalidTransition as problem:
        raise ConflictError(
            f"Cannot {transition} a referral that is {problem.current}.",
            code="invalid_transition",
            extra={"current_status": problem.current},
        ) from None
    moment = now or utcnow()
    referral.updated_at = moment
    if referral.status != ReferralStatus.ACCEPTED:
        referral.closed_at = moment
        referral.closed_by = user.id
    record_access(user, str(transition), "referral", referral.id)
    return referral


def accept_referral(
    user: User, referral_id: uuid.UUID, data: dict[str, Any], now: datetime | None = None
) -> Referral:
    """The facility's desk accepts; the referring doctor and the resident are told."""
    referral = _change(user, referral_id, Transition.ACCEPT, now)
    appointment_at = data.get("appointment_at")
    if appointment_at is not None and appointment_at < referral.created_at:
        db.session.rollback()
        raise ValidationError(
            "Some fields are not valid.", fields={"appointment_at": ["must not be before the referral"]}
        )
    referral.accepted_at = referral.updated_at
    referral.accepted_by = user.id
    referral.appointment_at = appointment_at
    referral.decided_note = data.get("note")
    notices.announce_accepted(referral, now=referral.updated_at)
    db.session.commit()
    return referral


def decline_referral(
    user: User, referral_id: uuid.UUID, data: dict[str, Any], now: datetime | None = None
) -> Referral:
    """The facility's desk declines a pending referral."""
    referral = _change(user, referral_id, Transition.DECLINE, now)
    referral.decline_reason = data["reason"]
    db.session.commit()
    return referral


def complete_referral(
    user: User, referral_id: uuid.UUID, data: dict[str, Any], now: datetime | None = None
) -> Referral:
    """Down-referral: the resident is due for a follow-up within 14 days; the referring doctor is told."""
    referral = _change(user, referral_id, Transition.COMPLETE, now)
    referral.outcome = data["outcome"]
    referral.completion_note = data.get("note")
    for name in DOWN_REFERRAL_SHEET:
        setattr(referral, name, data.get(name))
    referral.completed_at = referral.updated_at
    _schedule_recheck(referral, local_today(referral.updated_at))
    notices.announce_completed(referral, now=referral.updated_at)
    db.session.commit()
    return referral


def cancel_referral(
    user: User, referral_id: uuid.UUID, data: dict[str, Any], now: datetime | None = None
) -> Referral:
    """The referring side (or the county) withdraws a pending or accepted referral."""
    referral = _change(user, referral_id, Transition.CANCEL, now)
    referral.cancel_reason = data["reason"]
    db.session.commit()
    return referral


def _schedule_recheck(referral: Referral, today: date) -> None:
    """Bring the resident's enrollment (the referring follow-up's, else every active one) due soon."""
    active = list(
        db.session.scalars(
            select(Enrollment.id).where(
                Enrollment.resident_id == referral.resident_id, Enrollment.status == fixed("active")
            )
        )
    )
    if referral.followup_id is not None:
        source = db.session.scalar(select(FollowUp.enrollment_id).where(FollowUp.id == referral.followup_id))
        active = [source] if source in active else active
    for enrollment_id in active:
        mark_recheck_due(enrollment_id, recheck_due_by(today))


def _due_clause(now: datetime) -> Any:
    """Pending referrals with an escalation level due by ``now`` (served by ix_referrals_status_deadline)."""
    alternatives = [
        and_(
            Referral.urgency == urgency,
            Referral.escalation_level < level,
            Referral.ack_deadline <= now - (multiple - 1) * window,
        )
        for urgency, window in ACK_WINDOWS.items()
        for level, multiple in ESCALATION_WINDOW_MULTIPLES.items()
    ]
    return and_(Referral.status == ESCALATING_STATUS, Referral.ack_deadline <= now, or_(*alternatives))


def _record_level(referral: Referral, level: int, now: datetime) -> ReferralEscalation | None:
    """Insert the level's row once; None when another run recorded it first."""
    escalation = ReferralEscalation(referral_id=referral.id, level=level, at=now, notified=[])
    try:
        with db.session.begin_nested():
            db.session.add(escalation)
    except IntegrityError:
        return None
    return escalation


def escalate_due_referrals(now: datetime) -> int:
    """Record and announce every escalation level due by ``now``; returns how many levels were recorded."""
    recorded = 0
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        query = select(Referral).where(_due_clause(now))
        if after is not None:
            query = query.where(tuple_(Referral.ack_deadline, Referral.id) > after)
        batch = list(
            db.session.scalars(
                query.order_by(Referral.ack_deadline, Referral.id)
                .limit(ESCALATION_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not batch:
            return recorded
        directory = notices.Directory(batch)
        for referral in batch:
            for level in levels_due(
                referral.status, referral.created_at, referral.urgency, referral.escalation_level, now
            ):
                escalation = _record_level(referral, level, now)
                referral.escalation_level = level
                if escalation is None:
                    continue
                escalation.notified = notices.announce_escalation(referral, level, directory, now=now)
                recorded += 1
        after = (batch[-1].ack_deadline, batch[-1].id)
        db.session.commit()
        log.info("escalation check recorded %s levels so far", recorded, extra={"at": now.isoformat()})
