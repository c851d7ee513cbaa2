"""What a phone pushes in one sync, built once for every benchmark: as sync records and as table rows.

A batch is new residents of some villages, each enrolled for hypertension, each with some
follow-ups (and a visit, if asked): ``records()`` is the body of ``POST /api/v1/sync``,
``rows()`` the same records as rows of their tables with what the server would compute
filled in, for the bare Core bulk insert that is each sync figure's floor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp, FollowUpMedication, Visit
from fieldapp.residents.models import Resident
from fieldapp.timeutil import isoformat_local, local_today

Tables = list[tuple[Any, list[dict[str, Any]]]]


@dataclass
class Person:
    """One new resident of a batch and the ids of what is recorded of them."""

    n: int
    village_id: uuid.UUID
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    enrollment_id: uuid.UUID = field(default_factory=uuid.uuid4)
    followup_ids: list[uuid.UUID] = field(default_factory=list)
    visit_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def birth_date(self) -> date:
        return date(1950 + self.n % 10, 4, 1 + self.n % 9)

    def sbp(self, k: int) -> int:
        """The k-th follow-up's systolic reading: the first often high, the recheck lower."""
        return 150 + self.n % 30 if k == 0 else 135 + self.n % 10


@dataclass
class PhoneBatch:
    """``residents`` new residents of ``village_ids``, each enrolled, with a follow-up ``hours_ago``
    each (``form``: the national form's further items), and a visit when ``visit``."""

    village_ids: list[uuid.UUID]
    residents: int = 250
    hours_ago: tuple[int, ...] = (3, 2)
    form: dict[str, Any] = field(default_factory=dict)
    visit: bool = False
    people: list[Person] = field(default_factory=list, init=False)

    def _new_people(self) -> list[Person]:
        """Fresh ids: each call of ``records()`` or ``rows()`` is a new day's batch."""
        self.people = [Person(n, self.village_ids[n % len(self.village_ids)]) for n in range(self.residents)]
        for person in self.people:
            person.followup_ids = [uuid.uuid4() for _ in self.hours_ago]
        return self.people

    @property
    def size(self) -> int:
        """Records a person: the resident, the enrollment, the follow-ups, the visit."""
        return self.residents * (2 + len(self.hours_ago) + int(self.visit))

    def records(self) -> list[dict[str, Any]]:
        """The batch as the phone sends it: each resident, their enrollment, follow-ups, visit, in typed order."""
        now, today = datetime.now(UTC), local_today()
        records: list[dict[str, Any]] = []
        for person in self._new_people():
            resident_id = str(person.id)
            records.append(
                {
                    "type": "resident",
                    "data": {
                        "id": resident_id,
                        "name": "新建居民",
                        "sex": "F" if person.n % 2 else "M",
                        "birth_date": person.birth_date.isoformat(),
                        "village_id": str(person.village_id),
                        "sms_consent": True,
                    },
                }
            )
            records.append(
                {
                    "type": "enrollment",
                    "data": {
                        "id": str(person.enrollment_id),
                        "resident_id": resident_id,
                        "condition": "hypertension",
                        "diagnosed_on": str(today - timedelta(days=30)),
                    },
                }
            )
            for k, (followup_id, hours) in enumerate(zip(person.followup_ids, self.hours_ago, strict=True)):
                records.append(
                    {
                        "type": "followup",
                        "data": {
                            "id": str(followup_id),
                            "resident_id": resident_id,
                            "condition": "hypertension",
                            "performed_at": isoformat_local(now - timedelta(hours=hours)),
                            "mode": "home",
                            "sbp": person.sbp(k),
                            "dbp": 85,
                            **self.form,
                        },
                    }
                )
            if self.visit:
                records.append(
                    {
                        "type": "visit",
                        "data": {
                            "id": str(person.visit_id),
                            "village_id": str(person.village_id),
                            "resident_id": resident_id,
                            "visited_at": isoformat_local(now - timedelta(hours=self.hours_ago[-1])),
                            "purpose": "followup",
                        },
                    }
                )
        return records

    def rows(self) -> Tables:
        """The same batch as table rows, with what the server computes filled in."""
        today, now = local_today(), datetime.now(UTC)
        stamp = {"change_seq": 1, "created_at": now, "updated_at": now}
        due_on = today + timedelta(days=14)
        residents, enrollments, followups, medicines, visits = [], [], [], [], []
        columns = FollowUp.__table__.columns.keys()
        form_columns = {k: v for k, v in self.form.items() if k in columns}
        record = {k: v for k, v in self.form.items() if k not in columns and k != "medications"}
        for person in self._new_people():
            residents.append(
                {
                    "id": person.id,
                    "name": "新建居民",
                    "sex": "F" if person.n % 2 else "M",
                    "birth_date": person.birth_date,
                    "village_id": person.village_id,
                    # Outside any real village's prefix (county 999999): never taken by the API's.
                    "record_number": f"999999{person.id.int % 10**11:011d}",
                    "sms_consent": True,
                    "opted_out": False,
                    "phone_invalid": False,
                    "language": "zh",
                    **stamp,
                }
            )
            enrollments.append(
                {
                    "id": person.enrollment_id,
                    "resident_id": person.id,
                    "village_id": person.village_id,
                    "condition": "hypertension",
                    "status": "active",
                    "diagnosed_on": today - timedelta(days=30),
                    "enrolled_on": today,
                    "next_due_on": due_on,
                    **stamp,
                }
            )
            for k, (followup_id, hours) in enumerate(zip(person.followup_ids, self.hours_ago, strict=True)):
                followups.append(
                    {
                        "id": followup_id,
                        "enrollment_id": person.enrollment_id,
                        "resident_id": person.id,
                        "village_id": person.village_id,
                        "condition": "hypertension",
                        "performed_at": now - timedelta(hours=hours),
                        "mode": "home",
                        "sbp": person.sbp(k),
                        "dbp": 85,
                        "danger_signs": [],
                        "adverse_reaction": False,
                        "new_complication": False,
                        "classification": "uncontrolled",
                        "urgent_referral": False,
                        "referral_recommended": k > 0,
                        "record": record,
                        "medications_recorded": "medications" in self.form,
                        "next_due_on": due_on,
                        **form_columns,
                        **stamp,
                    }
                )
                medicines += [
                    {"followup_id": followup_id, "position": position, **medicine}
                    for position, medicine in enumerate(self.form.get("medications", []))
                ]
            if self.visit:
                visits.append(
                    {
                        "id": person.visit_id,
                        "village_id": person.village_id,
                        "resident_id": person.id,
                        "visited_at": now - timedelta(hours=self.hours_ago[-1]),
                        "purpose": "followup",
                        **stamp,
                    }
                )
        tables: Tables = [(Resident, residents), (Enrollment, enrollments), (FollowUp, followups)]
        return tables + [
            (model, rows) for model, rows in ((FollowUpMedication, medicines), (Visit, visits)) if rows
        ]


def bulk_insert(tables: Tables) -> None:
    """The floor of a sync push: the same rows by a bare Core executemany, one a table, one transaction."""
    with db.engine.begin() as conn:
        for model, rows in tables:
            conn.execute(insert(model.__table__), rows)
