"""Writing a batch of checked rows: new residents set-based, known residents through the ORM.

New residents, their enrollments, follow-ups and fingerprints go in with one insert per table;
a row that changes a known resident goes through the ORM, whose hooks keep sync sequences
and moved villages right. The caller commits (or, in a dry run, rolls back).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam, case, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import QueryableAttribute, joinedload

from fieldapp.bulk import insert_rows
from fieldapp.dbtypes import SYNC_COUNTER, Counter, fixed, next_counter_value
from fieldapp.extensions import db
from fieldapp.followups import items, rules
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.followups.rules import Condition, Measurements
from fieldapp.imports.models import ImportedFollowUp, ImportedResident
from fieldapp.imports.rows import ImportRow
from fieldapp.messaging.models import SmsOptOut
from fieldapp.org.models import Village
from fieldapp.residents.models import Resident
from fieldapp.residents.record_numbers import assign_record_numbers, counter_name
from fieldapp.timeutil import local_zone, utcnow

IMPORTED_NOTE = "由原系统导入的末次随访"
ACTIVE = "active"


def performed_at_of(day: date) -> datetime:
    """An imported follow-up's instant: local noon of its date (the old system kept the date only)."""
    return datetime.combine(day, time(12), tzinfo=local_zone()).astimezone(UTC)


def followup_values(row: ImportRow, condition: str) -> dict[str, Any]:
    """The follow-up a row's last readings make for one condition, classified by the rules."""
    assert row.followup_on is not None and row.sbp is not None and row.dbp is not None
    outcome = rules.assess(
        Measurements(
            condition=Condition(condition), sbp=row.sbp, dbp=row.dbp, fasting_glucose=row.fasting_glucose
        ),
        birth_date=row.birth_date,
        performed_on=row.followup_on,
        previous=None,
    )
    missing = _missing_items(
        condition, row.fasting_glucose is not None, referral_recommended=outcome.referral_recommended
    )
    return {
        "condition": condition,
        "performed_at": performed_at_of(row.followup_on),
        # The old system's follow-ups are measured visits; see the README on how they count.
        "mode": "clinic",
        "sbp": row.sbp,
        "dbp": row.dbp,
        "fasting_glucose": row.fasting_glucose,
        "classification": str(outcome.classification),
        "urgent_referral": outcome.urgent_referral,
        "referral_recommended": outcome.referral_recommended,
        "next_due_on": outcome.next_due_on,
        "notes": IMPORTED_NOTE,
        # The old export holds the readings only: the rest of the form counts as missing.
        "complete": not missing,
        "missing_items": missing,
    }


@functools.lru_cache(maxsize=64)
def _missing_items_cached(condition: str, glucose: bool, referral_recommended: bool) -> tuple[str, ...]:
    values = {"sbp": 120, "dbp": 80, "fasting_glucose": 5.0 if glucose else None}
    return tuple(
        items.missing_items(
            Condition(condition), values, measured=True, referral_recommended=referral_recommended
        )
    )


def _missing_items(condition: str, glucose: bool, *, referral_recommended: bool) -> list[str]:
    """What an imported follow-up lacks: it goes by which readings the row has (always both pressures).

    The same few answers for every row of a register, so worked out once each.
    """
    return list(_missing_items_cached(condition, glucose, referral_recommended))


@dataclass
class Writer:
    """Writes the rows of one import run."""

    import_id: uuid.UUID
    user_id: uuid.UUID | None
    today: date

    def insert(self, rows: list[ImportRow]) -> dict[uuid.UUID, int]:
        """Insert new residents with their enrollments and follow-ups, a table at a time; their rows by id."""
        session = db.session()
        numbers = self._record_numbers(rows)
        phones = {row.phone for row in rows if row.phone}
        opted_out = set(session.scalars(select(SmsOptOut.phone).where(one_of(SmsOptOut.phone, phones))))
        stamp = {"change_seq": next_counter_value(session, SYNC_COUNTER), "created_at": utcnow()}
        stamp["updated_at"] = stamp["created_at"]
        residents, enrollments, followups, marks, digests = [], [], [], [], []
        named = {}
        for row, record_number in zip(rows, numbers, strict=True):
            resident_id = uuid.uuid4()
            named[resident_id] = row.number
            residents.append(
                {
                    "id": resident_id,
                    "name": row.name,
                    "sex": row.sex,
                    "birth_date": row.birth_date,
                    "village_id": row.village.id,
                    "id_number": row.id_number,
                    "phone": row.phone,
                    "record_number": record_number,
                    "sms_consent": False,
                    "opted_out": row.phone in opted_out,
                    "phone_invalid": False,
                    "language": "zh",
                    "created_by": self.user_id,
                    **stamp,
                }
            )
            digests.append({"resident_id": resident_id, "digest": row.digest, "import_id": self.import_id})
            for condition, diagnosed_on in row.diagnosed.items():
                enrollment_id = uuid.uuid4()
                enrollment = {
                    "id": enrollment_id,
                    "resident_id": resident_id,
                    "village_id": row.village.id,
                    "condition": condition,
                    "status": ACTIVE,
                    "diagnosed_on": diagnosed_on,
                    "enrolled_on": diagnosed_on,
                    "next_due_on": self.today,
                    "created_by": self.user_id,
                    **stamp,
                }
                if row.followup_on is not None:
                    followup = {
                        "id": uuid.uuid4(),
                        "enrollment_id": enrollment_id,
                        "resident_id": resident_id,
                        "village_id": row.village.id,
                        **followup_values(row, condition),
                        "danger_signs": [],
                        "adverse_reaction": False,
                        "new_complication": False,
                        **stamp,
                    }
                    enrollment["next_due_on"] = followup["next_due_on"]
                    followups.append(followup)
                    marks.append(
                        {
                            "followup_id": followup["id"],
                            "enrollment_id": enrollment_id,
                            "import_id": self.import_id,
                        }
                    )
                enrollments.append(enrollment)
        for model, values in (
            (Resident, residents),
            (Enrollment, enrollments),
            (FollowUp, followups),
            (ImportedFollowUp, marks),
            (ImportedResident, digests),
        ):
            # Not trusted: a register's rows keep their foreign-key checks, and a clash is an
            # IntegrityError that the import's row-by-row retry catches.
            insert_rows(model.__table__, values)
        return named

    def _record_numbers(self, rows: list[ImportRow]) -> list[str]:
        """Each new row's record number: its own, or its village's next (issue 10's numbering)."""
        brought: dict[str, int] = {}
        for row in rows:
            if row.record_number:
                prefix = row.village.record_prefix
                brought[prefix] = max(brought.get(prefix, 0), int(row.record_number[len(prefix) :]))
        if brought:
            raise_serial_counters(brought)
        unnumbered = [Resident(village_id=row.village.id) for row in rows if not row.record_number]
        if unnumbered:
            held = _load_villages()  # the identity map keeps only what is referenced
            assign_record_numbers(db.session(), unnumbered)
            del held
        given = iter(resident.record_number for resident in unnumbered)
        return [row.record_number or next(given) for row in rows]

    # --- known residents: through the ORM ---------------------------------------------------

    def update(self, row: ImportRow, resident_id: uuid.UUID) -> bool:
        """Bring a known resident in line with the row; whether anything changed."""
        resident = db.session.get(Resident, resident_id)
        assert resident is not None
        changed = _assign(
            resident,
            {
                "name": row.name,
                "sex": row.sex,
                "birth_date": row.birth_date,
                "village_id": row.village.id,
                # A blank optional cell leaves what fieldapp knows.
                **({"id_number": row.id_number} if row.id_number else {}),
                **({"phone": row.phone} if row.phone else {}),
            },
        )
        if row.phone and "phone" in changed:
            resident.phone_invalid = False
            resident.opted_out = db.session.get(SmsOptOut, row.phone) is not None
        active = {
            e.condition: e
            for e in db.session.scalars(
                select(Enrollment).where(
                    Enrollment.resident_id == resident_id, Enrollment.status == fixed(ACTIVE)
                )
            )
        }
        any_change = bool(changed)
        for condition, diagnosed_on in row.diagnosed.items():
            enrollment = active.get(condition)
            if enrollment is None:
                enrollment = Enrollment(
                    id=uuid.uuid4(),
                    resident_id=resident_id,
                    village_id=row.village.id,
                    condition=condition,
                    status=ACTIVE,
                    diagnosed_on=diagnosed_on,
                    enrolled_on=diagnosed_on,
                    next_due_on=self.today,
                    created_by=self.user_id,
                )
                db.session.add(enrollment)
                any_change = True
            elif enrollment.diagnosed_on != diagnosed_on:
                enrollment.diagnosed_on = diagnosed_on
                any_change = True
            if row.followup_on is not None:
                any_change = self._update_followup(row, enrollment) or any_change
        self._remember(resident_id, row.digest, new=not db.session.get(ImportedResident, resident_id))
        return any_change

    def _update_followup(self, row: ImportRow, enrollment: Enrollment) -> bool:
        values = followup_values(row, enrollment.condition)
        mark = db.session.scalar(
            select(ImportedFollowUp).where(ImportedFollowUp.enrollment_id == enrollment.id)
        )
        followup = db.session.get(FollowUp, mark.followup_id) if mark else None
        if followup is None:
            # The row's village, which the resident has now (a move is carried to the rest at the flush).
            followup = FollowUp(
                id=uuid.uuid4(),
                enrollment_id=enrollment.id,
                resident_id=enrollment.resident_id,
                village_id=row.village.id,
                **values,
            )
            db.session.add(followup)
            db.session.flush()
            db.session.add(
                ImportedFollowUp(
                    followup_id=followup.id, enrollment_id=enrollment.id, import_id=self.import_id
                )
            )
            changed = True
        else:
            changed = bool(_assign(followup, values))
        later = db.session.scalar(
            select(func.count())
            .select_from(FollowUp)
            .where(
                FollowUp.enrollment_id == enrollment.id,
                FollowUp.id != followup.id,
                FollowUp.performed_at > followup.performed_at,
            )
        )
        # The enrollment's due date follows its newest follow-up, as for any follow-up.
        if not later and enrollment.next_due_on != followup.next_due_on:
            enrollment.next_due_on = followup.next_due_on
            changed = True
        return changed

    def _remember(self, resident_id: uuid.UUID, digest: str, *, new: bool) -> None:
        if new:
            db.session.add(ImportedResident(resident_id=resident_id, digest=digest, import_id=self.import_id))
        else:
            mark = db.session.get(ImportedResident, resident_id)
            if mark is not None:
                mark.digest, mark.import_id = digest, self.import_id


def one_of(column: QueryableAttribute[Any], values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter however many values.

    A batch's thousand keys as a thousand parameters cost more to build and send than the
    lookup costs the server.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    return column.in_(list(values))


def _assign(target: Any, values: dict[str, Any]) -> set[str]:
    """Set the attributes that differ; their names."""
    changed = {name for name, value in values.items() if getattr(target, name) != value}
    for name in changed:
        setattr(target, name, values[name])
    return changed


def _load_villages() -> list[Village]:
    """Every village with its township, in the session (keep the list while they are needed)."""
    return list(db.session.scalars(select(Village).options(joinedload(Village.township))))


def raise_serial_counters(highest: dict[str, int]) -> None:
    """Move each village prefix's record-number counter up to the highest serial a batch brings.

    What ``assign_record_numbers`` does for one resident who brings a number, for a whole batch
    in one statement (in name order, so two imports lock the counters in the same order).
    """
    counters = Counter.__table__
    dialect = db.session.connection().dialect.name
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = dialect_insert(counters).values(
        [{"name": counter_name(prefix), "value": highest[prefix]} for prefix in sorted(highest)]
    )
    statement = statement.on_conflict_do_update(
        index_elements=[counters.c.name],
        set_={
            "value": case(
                (counters.c.value < statement.excluded.value, statement.excluded.value),
                else_=counters.c.value,
            )
        },
    )
    db.session.execute(statement)
