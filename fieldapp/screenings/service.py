"""Screenings: record one, settle its suspected results, list them, and the screening queue.

``add_screening`` does the work inside the caller's transaction (the sync batch runs it
in a savepoint); ``record_screening`` and ``record_outcome`` are the endpoints' units of work.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, select

from fieldapp.audit.service import record_access
from fieldapp.auth.models import User
from fieldapp.auth.scoping import resident_clause, resident_village_clause
from fieldapp.dbtypes import fixed
from fieldapp.errors import ConflictError, NotFoundError, ValidationError
from fieldapp.extensions import db
from fieldapp.followups import rules as followup_rules
from fieldapp.followups import service as followups
from fieldapp.followups.items import BY_NAME as FOLLOWUP_ITEMS
from fieldapp.followups.models import Enrollment
from fieldapp.followups.rules import Condition
from fieldapp.idempotency import commit_once, insert_once
from fieldapp.org.models import Village
from fieldapp.residents.models import Resident
from fieldapp.screenings.models import SUSPECTED_PATTERN, Screening, ScreeningOutcome
from fieldapp.screenings.rules import (
    FINAL_OUTCOMES,
    Outcome,
    confirm_by,
    screening_results,
    suspected_conditions,
)
from fieldapp.timeutil import local_date, local_today, utcnow

OPEN = "open"
CLOSED = "closed"
MEASURED = ("sbp", "dbp", "fasting_glucose")


def _check(resident: Resident, data: dict[str, Any]) -> None:
    """Every field error of a screening at once."""
    errors: dict[str, list[str]] = {}
    for name in MEASURED:
        # The follow-up record's ranges: a reading is plausible or not whatever the form.
        allowed, value = FOLLOWUP_ITEMS[name], data.get(name)
        low, high = allowed.low, allowed.high
        if value is not None and low is not None and high is not None and not low <= value <= high:
            errors[name] = [f"must be between {low:g} and {high:g}"]
    sbp, dbp = data.get("sbp"), data.get("dbp")
    if (sbp is None) != (dbp is None):
        errors.setdefault("sbp" if sbp is None else "dbp", []).append("sbp and dbp go together")
    elif sbp is not None and dbp is not None and dbp >= sbp and not {"sbp", "dbp"} & errors.keys():
        errors["dbp"] = ["must be lower than sbp"]
    if sbp is None and data.get("fasting_glucose") is None:
        errors["_schema"] = ["a screening measures blood pressure, fasting glucose or both"]
    tolerance = timedelta(minutes=followup_rules.RULES["future_tolerance_minutes"].value)
    if data["performed_at"] > utcnow() + tolerance:
        errors["performed_at"] = [f"must not be more than {tolerance.seconds // 60} minutes in the future"]
    elif local_date(data["performed_at"]) < resident.birth_date:
        errors["performed_at"] = ["must not be before the resident's birth"]
    if errors:
        raise ValidationError("Some fields are not valid.", fields=errors)


def add_screening(area: followups.Area, data: dict[str, Any]) -> tuple[Screening, bool]:
    """Record a screening (idempotent by id) and give it its results; returns ``(screening, created)``."""
    area.require_writer()
    resident = area.resident(data["resident_id"])
    _check(resident, data)

    def build(digest: str) -> Screening:
        enrolled = {str(c) for c in Condition if area.active_enrollment(resident.id, str(c)) is not None}
        results = [
            str(r) for r in screening_results(data["sbp"], data["dbp"], data["fasting_glucose"], enrolled)
        ]
        due = confirm_by(local_date(data["performed_at"]), results)
        return Screening(
            **{**data, "id": data.get("id") or uuid.uuid4()},
            village_id=resident.village_id,
            results=results,
            confirm_by=due,
            status=OPEN if due is not None else CLOSED,
            outcomes={},
            request_hash=digest,
            performed_by=area.user.id,
        )

    screening, created = insert_once(Screening, data, build)
    if created:
        record_access(area.user, "create", "screening", screening.id)
    return screening, created


def record_screening(user: User, data: dict[str, Any]) -> tuple[Screening, bool]:
    """``POST /screenings``; returns ``(screening, created)``."""
    return commit_once(lambda: add_screening(followups.Area(user), data))


def _visible_screening(user: User, screening_id: uuid.UUID, *, lock: bool = False) -> Screening:
    query = (
        select(Screening)
        .join(Resident, Resident.id == Screening.resident_id)
        .where(Screening.id == screening_id, resident_clause(user))
        .execution_options(populate_existing=True)
    )
    # Locked: two phones confirming at once are answered one after the other (one enrollment).
    screening = db.session.scalar(query.with_for_update(of=Screening) if lock else query)
    if screening is None:
        raise NotFoundError("No such screening.")
    return screening


def _enrollment_for(area: followups.Area, screening: Screening, condition: str, on: date) -> Enrollment:
    """The resident's active enrollment of ``condition``, made now when there is none."""
    existing = area.active_enrollment(screening.resident_id, condition)
    if existing is not None:
        return existing
    # Named after the screening: a replayed confirmation finds this very enrollment.
    enrollment_id = uuid.uuid5(screening.id, f"confirmed:{condition}")
    body = {"id": enrollment_id, "condition": condition, "diagnosed_on": on, "enrolled_on": on}
    enrollment, _created = followups.add_enrollment(area, screening.resident_id, body)
    return enrollment


def _replayed_outcome(outcome_id: uuid.UUID | None, screening_id: uuid.UUID, data: dict[str, Any]) -> bool:
    """True when the outcome of this id is stored already with this body; 409 for another body."""
    stored = db.session.get(ScreeningOutcome, outcome_id) if outcome_id is not None else None
    if stored is None:
        return False
    same = (stored.screening_id, stored.condition, stored.outcome, stored.on) == (
        screening_id,
        data["condition"],
        data["outcome"],
        data["on"],
    )
    if not same:
        raise ConflictError("A record with this id exists with a different body.", code="conflict")
    return True


def _stored_answer(screening: Screening, condition: str) -> Enrollment | None:
    enrollment_id = (screening.outcomes.get(condition) or {}).get("enrollment_id")
    return db.session.get(Enrollment, uuid.UUID(enrollment_id)) if enrollment_id else None


def settle(
    area: followups.Area, screening_id: uuid.UUID, data: dict[str, Any]
) -> tuple[Screening, Enrollment | None, bool]:
    """Settle a suspected condition in the caller's transaction: ``(screening, enrollment, settled now)``.

    ``data["id"]`` (optional) names the outcome: the same outcome id again is a replay. A
    confirmation or exclusion that another phone sent first, with the same outcome, is
    answered as stored (one enrollment); with the other outcome it is a 409.
    """
    area.require_writer()
    screening = _visible_screening(area.user, screening_id, lock=True)
    condition, outcome, on = data["condition"], data["outcome"], data["on"]
    if _replayed_outcome(data.get("id"), screening.id, data):
        return screening, _stored_answer(screening, condition), False
    errors: dict[str, list[str]] = {}
    if condition not in suspected_conditions(screening.results):
        errors["condition"] = [f"this screening suspects no {condition}"]
    settled = screening.outcomes.get(condition) or {}
    if not errors and settled.get("outcome") in FINAL_OUTCOMES:
        if settled["outcome"] != outcome:
            raise ConflictError(
                f"The suspected {condition} is {settled['outcome']} already.", code="invalid_transition"
            )
        # The same outcome again (a replay, or a second phone): the stored answer.
        return screening, _stored_answer(screening, condition), False
    if on > local_today():
        errors["on"] = ["must not be in the future"]
    elif on < local_date(screening.performed_at):
        errors["on"] = ["must not be before the screening"]
    if errors:
        raise ValidationError("Some fields are not valid.", fields=errors)
    enrollment = _enrollment_for(area, screening, condition, on) if outcome == Outcome.CONFIRMED else None
    if enrollment is not None:
        area.recorded(enrollment, True)  # a later record of the batch may follow it up
    db.session.add(
        ScreeningOutcome(
            id=data.get("id") or uuid.uuid4(),
            screening_id=screening.id,
            resident_id=screening.resident_id,
            condition=condition,
            outcome=outcome,
            on=on,
            facility=data.get("facility"),
            note=data.get("note"),
            enrollment_id=enrollment.id if enrollment else None,
            recorded_by=area.user.id,
        )
    )
    attempts = int(settled.get("attempts", 0)) + (1 if outcome == Outcome.NOT_REACHED else 0)
    entry = {"outcome": outcome, "on": on.isoformat(), "attempts": attempts}
    if enrollment is not None:
        entry["enrollment_id"] = str(enrollment.id)
    outcomes = {**screening.outcomes, condition: entry}
    screening.outcomes = outcomes
    final = all(
        (outcomes.get(c) or {}).get("outcome") in FINAL_OUTCOMES
        for c in suspected_conditions(screening.results)
    )
    screening.status = CLOSED if final else OPEN
    record_access(area.user, "update", "screening", screening.id)
    return screening, enrollment, True


def record_outcome(
    user: User, screening_id: uuid.UUID, data: dict[str, Any]
) -> tuple[Screening, Enrollment | None]:
    """``POST /screenings/{id}/outcome``: confirm (enrolling once), exclude, or note a failed attempt."""
    screening, enrollment, _settled = commit_once(lambda: settle(followups.Area(user), screening_id, data))
    return screening, enrollment


def list_screenings(
    user: User, resident_id: uuid.UUID, page: int, per_page: int
) -> tuple[list[Screening], int]:
    """A resident's screenings, newest first (404 outside the caller's area)."""
    from fieldapp.residents.service import resident_records_page

    return resident_records_page(user, Screening, resident_id, Screening.performed_at, page, per_page)


def screenings_of(resident_id: uuid.UUID, limit: int = 20) -> list[Screening]:
    """A resident's newest screenings (the caller has checked the area and audited the read)."""
    query = select(Screening).where(Screening.resident_id == resident_id)
    return list(db.session.scalars(query.order_by(Screening.performed_at.desc()).limit(limit)))


def suspects(condition: str) -> Any:
    """Screenings whose results suspect ``condition`` (the JSON list read as text, on every database)."""
    return cast(Screening.results, Text).like(f'%"suspected_{condition}"%')


def suspected_any() -> Any:
    """Screenings with any suspected result (the pattern written into the statement, so that
    the partial index on ``SUSPECTED_SQL`` can be used)."""
    return cast(Screening.results, Text).like(fixed(SUSPECTED_PATTERN))


def area_filters(user: User, filters: dict[str, Any], village: Any = Resident.village_id) -> list[Any]:
    """Rows whose ``village`` lies in the caller's area, narrowed by a queue's village, villages or
    township filter."""
    conditions = [resident_village_clause(user, village)]
    if filters.get("village_id"):
        conditions.append(village == filters["village_id"])
    if filters.get("village_ids") is not None:
        conditions.append(village.in_(filters["village_ids"]))
    if filters.get("township_id"):
        conditions.append(
            village.in_(select(Village.id).where(Village.township_id == filters["township_id"]))
        )
    return conditions


def screening_queue_page(
    user: User, filters: dict[str, Any], page: int, per_page: int, today: date
) -> tuple[list[followups.QueueItem], int]:
    """Open screenings of the caller's area by ``confirm_by``, oldest first: two SQL statements."""
    conditions = [Screening.status == fixed(OPEN), *area_filters(user, filters, Screening.village_id)]
    if filters.get("condition"):
        conditions.append(suspects(filters["condition"]))
    keys = (
        select(Screening.id.label("id"))
        .where(*conditions)
        .order_by(Screening.confirm_by, Screening.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page")
    )
    responsible, doctor = followups.responsible_doctors()
    contact, contact_id = followups.last_contact_of(Screening.resident_id, Screening)
    contract_columns, with_contract = followups.active_contract_of(Screening.resident_id, Screening, today)
    statement = (
        select(
            Screening,
            Resident,
            contact,
            *contract_columns,
            doctor.id,
            doctor.name,
            doctor.username,
            doctor.phone,
        )
        .join(keys, keys.c.id == Screening.id)
        .join(Resident, Resident.id == Screening.resident_id)
        .outerjoin(responsible, responsible.c.village_id == Resident.village_id)
        .outerjoin(doctor, doctor.username == responsible.c.username)
        .outerjoin(contact, contact.id == contact_id)
    )
    rows = db.session.execute(
        with_contract(statement)
        .order_by(Screening.confirm_by, Screening.id)
        .options(*followups.queue_resident_options())
    ).all()
    total = db.session.scalar(select(func.count(Screening.id)).where(*conditions)) or 0
    items = []
    contract_at = slice(3, 3 + len(contract_columns))  # after screening, resident and contact
    for row in rows:
        screening, resident, last_contact = row[:3]
        waiting = [
            c
            for c in suspected_conditions(screening.results)
            if (screening.outcomes.get(c) or {}).get("outcome") not in FINAL_OUTCOMES
        ]
        due_on = screening.confirm_by or today
        items.append(
            followups.QueueItem(
                resident=followups.read_contract(resident, row[contract_at]),
                enrollment_id=None,
                condition=(waiting or suspected_conditions(screening.results))[0],
                due_on=due_on,
                days_overdue=max(0, (today - due_on).days),
                state="overdue" if due_on < today else "due",
                last_followup=None,
                doctor=followups.doctor_of(*row[contract_at.stop :]),
                last_contact=last_contact,
                screening_id=screening.id,
            )
        )
    return items, total
