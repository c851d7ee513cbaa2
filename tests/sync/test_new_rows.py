"""A batch's new rows written by Core store and answer what the session's flush stores and answers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, select

from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import Role
from fieldapp.dbtypes import reserve_change_seq
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp, FollowUpMedication, Visit
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.residents.models import Resident
from fieldapp.screenings.models import Screening
from fieldapp.sync import rows
from fieldapp.timeutil import local_today
from tests.builders import create_resident, create_township, create_user, create_village
from tests.followups.builders import create_enrollment
from tests.sync.builders import every_kind, push

MODELS = (Resident, Enrollment, FollowUp, FollowUpMedication, Visit, Screening, HealthCheck)
# What differs between two writes of one batch: when, and which serial and sequence value it took.
WHEN = {"created_at", "updated_at", "change_seq", "record_number"}


def stored(ids: set[uuid.UUID]) -> dict[tuple[str, Any], dict[str, Any]]:
    """The batch's rows (and the stored enrollment's), column by column, the moment's columns apart."""
    found = {}
    for model in MODELS:
        table = model.__table__
        key = table.c.followup_id if model is FollowUpMedication else table.c.id
        for row in db.session.execute(select(table).where(key.in_(ids))).mappings():
            name = (table.name, row["id"] if "id" in row else (row["followup_id"], row["position"]))
            found[name] = {k: v for k, v in row.items() if k not in WHEN}
    return found


def sequences(ids: set[uuid.UUID]) -> set[int]:
    return {
        seq
        for model in MODELS
        if model is not FollowUpMedication
        for seq in db.session.scalars(select(model.change_seq).where(model.id.in_(ids)))
    }


def forget(ids: set[uuid.UUID]) -> None:
    """Delete the batch's rows (not the stored enrollment), to push the same batch again."""
    db.session.execute(delete(FollowUpMedication).where(FollowUpMedication.followup_id.in_(ids)))
    for model in (FollowUp, Visit, Screening, HealthCheck, Enrollment, Resident):
        db.session.execute(delete(model).where(model.id.in_(ids)))
    db.session.execute(delete(AuditEntry).where(AuditEntry.entity_id.in_(ids)))
    db.session.commit()


def without_moments(answer: dict) -> list[dict]:
    return [
        {**result, "record": {k: v for k, v in result["record"].items() if k not in WHEN}}
        for result in answer["results"]
    ]


def written(client, doctor, records, enrollment) -> tuple[Any, ...]:
    """What a push stores, answers and audits, the stored enrollment it moves included."""
    ids = {uuid.UUID(record["data"]["id"]) for record in records} | {enrollment.id}
    answer = push(client, doctor, records)
    assert {result["status"] for result in answer["results"]} == {"created"}, answer["results"]
    db.session.expire_all()
    assert len(sequences(ids)) == 1, "the batch's rows and the enrollment it moved share one sequence value"
    numbers = db.session.scalars(
        select(Resident.record_number).where(Resident.id.in_(ids)).order_by(Resident.record_number)
    ).all()
    serials = [int(number[-5:]) for number in numbers]
    assert serials == list(range(serials[0], serials[0] + len(serials))), numbers
    audit = db.session.execute(
        select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id)
        .where(AuditEntry.entity_id.in_(ids))
        .order_by(AuditEntry.entity, AuditEntry.entity_id)
    ).all()
    return stored(ids), without_moments(answer), audit, [number[:-5] for number in numbers]


@pytest.fixture
def doctor_village_and_enrollment():
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    known = create_resident(village)
    return doctor, village, known, create_enrollment(known)


def test_core_writes_the_rows_answers_and_audit_the_session_writes(
    client, doctor_village_and_enrollment, monkeypatch
):
    doctor, village, known, enrollment = doctor_village_and_enrollment
    records = every_kind(village, known)
    core_wrote = []
    insert_by_core = rows._insert_by_core

    def spied(session, new_rows):
        insert_by_core(session, new_rows)
        core_wrote.extend(new_rows)

    monkeypatch.setattr(rows, "_insert_by_core", spied)
    by_core = written(client, doctor, records, enrollment)
    assert len(core_wrote) == len(records), "every new row of the batch was written by Core"
    forget({uuid.UUID(record["data"]["id"]) for record in records})
    db.session.execute(
        Enrollment.__table__.update()
        .where(Enrollment.id == enrollment.id)
        .values(next_due_on=enrollment.enrolled_on)
    )
    db.session.commit()

    def by_the_session(_session, _rows):
        raise rows._ByTheSession

    monkeypatch.setattr(rows, "_insert_by_core", by_the_session)
    assert written(client, doctor, records, enrollment) == by_core
    medicines = [row for name, row in by_core[0].items() if name[0] == "followup_medications"]
    assert len(medicines) == 2, "the full records' medicines are stored with them"


def test_a_row_only_the_flush_can_complete_goes_through_the_session(app, doctor_village_and_enrollment):
    _doctor, village, _known, _enrollment = doctor_village_and_enrollment
    resident = Resident(
        name="赵六", sex="M", birth_date=local_today().replace(year=1950), village_id=village.id
    )
    # No village: the enrollment's before-insert event copies its resident's.
    enrollment = Enrollment(resident_id=resident.id, condition="diabetes", enrolled_on=local_today())
    resident.id = enrollment.resident_id = uuid.uuid4()
    reserve_change_seq(db.session())
    rows.insert_new_rows([enrollment, resident])
    db.session.commit()
    assert (
        db.session.scalar(select(Enrollment.village_id).where(Enrollment.id == enrollment.id)) == village.id
    )
    assert db.session.get(Resident, resident.id).record_number is not None
