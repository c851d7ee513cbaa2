"""A sync push costs a fixed number of statements whatever its size, and answers as one record at a time would.

The statement counts are the load-independent evidence of the push's speed: a batch read,
validated and written set by set, never a query a record.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.sync import service
from fieldapp.timeutil import utcnow
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.console.helpers import count_statements
from tests.followups.builders import create_enrollment, followup_body


def push(client, user, records, since=None) -> dict:
    response = api(client, "post", "/api/v1/sync", user, json={"records": records, "since": since})
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def doctor_and_village():
    township = create_township()
    village = create_village(township)
    return create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village]), village


def offline_day(village, residents: int) -> list[dict]:
    """New residents, each enrolled and followed up twice, as a phone sends them."""
    first, recheck = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2)
    records: list[dict] = []
    for n in range(residents):
        resident_id = str(uuid.uuid4())
        records.append(
            {
                "type": "resident",
                "data": {
                    "id": resident_id,
                    "name": "新建居民",
                    "sex": "F",
                    "birth_date": "1956-04-01",
                    "village_id": str(village.id),
                    "sms_consent": True,
                },
            }
        )
        records.append(
            {
                "type": "enrollment",
                "data": {
                    "id": str(uuid.uuid4()),
                    "resident_id": resident_id,
                    "condition": "hypertension",
                    "diagnosed_on": "2024-01-02",
                },
            }
        )
        for at, sbp in ((first, 150 + n % 30), (recheck, 135)):
            records.append(
                {
                    "type": "followup",
                    "data": {
                        "id": str(uuid.uuid4()),
                        "resident_id": resident_id,
                        "condition": "hypertension",
                        "performed_at": at.isoformat(),
                        "mode": "home",
                        "sbp": sbp,
                        "dbp": 85,
                    },
                }
            )
    return records


def statements_of(client, doctor, records, replayed: bool) -> int:
    """The statements of a push of ``records`` from an up-to-date phone, or of its replay (the
    phone lost the first answer: it sends the batch again from the same cursor)."""
    cursor = push(client, doctor, [])["cursor"]
    if replayed:
        push(client, doctor, records, cursor)
    with count_statements() as seen:
        answer = push(client, doctor, records, cursor)
    assert {result["status"] for result in answer["results"]} == {"unchanged" if replayed else "created"}
    return len(seen)


@pytest.mark.parametrize("replayed", [False, True], ids=["push", "replay"])
def test_200_records_cost_no_more_statements_than_20(client, doctor_and_village, replayed):
    doctor, village = doctor_and_village
    small = statements_of(client, doctor, offline_day(village, 5), replayed)
    large = statements_of(client, doctor, offline_day(village, 50), replayed)
    assert large <= small + 2, (small, large)


def late_followups(residents: list, seed: int) -> list[dict]:
    """Follow-ups of residents whose enrollments have newer ones stored: older, newer, phone calls,
    uncontrolled readings, in a shuffled order (several phones' backlogs in one push)."""
    rng = random.Random(seed)
    records = []
    for resident in residents:
        for n in range(8):
            mode = rng.choice(("clinic", "home", "phone"))
            fields: dict[str, Any] = {
                "id": str(uuid.uuid4()),
                "performed_at": (utcnow() - timedelta(days=rng.randint(1, 80), minutes=n)).isoformat(),
                "mode": mode,
                "sbp": rng.choice((128, 150, 165, 185)),
                "dbp": rng.choice((78, 95)),
            }
            if mode == "phone" and n % 2:
                fields.pop("sbp")
                fields.pop("dbp")
            records.append({"type": "followup", "data": followup_body(resident, **fields)})
    rng.shuffle(records)
    return records


def stored_history(client, doctor, resident) -> None:
    """An enrollment with follow-ups stored 60, 30 and 5 days ago (the middle one by phone)."""
    create_enrollment(resident)
    for days, mode, sbp in ((60, "clinic", 165), (30, "phone", 150), (5, "home", 128)):
        performed_at = (utcnow() - timedelta(days=days)).isoformat()
        body = followup_body(resident, mode=mode, sbp=sbp, performed_at=performed_at)
        assert api(client, "post", "/api/v1/followups", doctor, json=body).status_code == 201


def outcome(answer: dict, residents: list) -> tuple[list, list]:
    """What the push decided, by position: each follow-up's verdict, and each enrollment's due date."""
    verdicts = [
        (
            r["status"],
            r["record"]["classification"],
            r["record"]["referral_recommended"],
            r["record"]["next_due_on"],
        )
        for r in answer["results"]
    ]
    due = [
        db.session.scalar(select(Enrollment.next_due_on).where(Enrollment.resident_id == resident.id))
        for resident in residents
    ]
    return verdicts, due


def test_follow_ups_older_than_the_stored_ones_are_applied_together_as_one_by_one_would(
    client, app, doctor_and_village, monkeypatch
):
    doctor, village = doctor_and_village
    together_residents = [create_resident(village) for _ in range(4)]
    alone_residents = [create_resident(village) for _ in range(4)]
    for resident in together_residents + alone_residents:
        stored_history(client, doctor, resident)
    batch = late_followups(together_residents, seed=7)
    twin = late_followups(alone_residents, seed=7)
    with count_statements() as seen:
        together = push(client, doctor, batch)
    savepoints = [statement for statement in seen if statement.startswith("SAVEPOINT")]
    assert len(savepoints) == 1, "the batch went one record at a time"
    monkeypatch.setattr(service, "_push_together", lambda user, records, text_checked: None)
    alone = push(client, doctor, twin)
    assert outcome(together, together_residents) == outcome(alone, alone_residents)
    assert db.session.query(FollowUp).count() == 8 * 3 + 2 * 4 * 8


def _checks_of_new_records(statements: list[str]) -> list[str]:
    """The statements that read what new records are checked against: active enrollments with
    their newest follow-ups, and residents' newest heights."""
    return [s for s in statements if "AS latest" in s or "height_cm IS NOT NULL" in s]


def test_a_replay_reads_only_the_stored_rows_not_what_new_records_are_checked_against(
    client, doctor_and_village
):
    doctor, village = doctor_and_village
    records = offline_day(village, 5)
    for record in records:  # a weight: the new follow-ups' BMI needs the newest heights
        if record["type"] == "followup":
            record["data"]["weight_kg"] = 61.5
    cursor = push(client, doctor, [])["cursor"]
    with count_statements() as pushed:
        push(client, doctor, records, cursor)
    with count_statements() as replayed:
        answer = push(client, doctor, records, cursor)

    assert {result["status"] for result in answer["results"]} == {"unchanged"}
    assert len(_checks_of_new_records(pushed)) == 2
    assert _checks_of_new_records(replayed) == []
    assert len(replayed) < len(pushed)
