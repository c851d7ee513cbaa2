"""A push's answers, dumped by ``Dumper``, are what marshmallow's dumps of the same rows are."""

from __future__ import annotations

import gc
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.sync import api as sync_api
from fieldapp.sync import service
from fieldapp.sync.schemas import SyncResponseSchema
from fieldapp.timeutil import local_today, utcnow
from tests.builders import (
    api,
    create_facility,
    create_resident,
    create_township,
    create_user,
    create_village,
    id_number_for,
)
from tests.contracts.builders import create_contract, create_team
from tests.followups.builders import create_enrollment
from tests.screenings.builders import screening_body
from tests.sync.builders import every_kind, push

# Their answers are not rows of their model (a screening with the enrollment it made, ...).
NOT_ROWS = {"screening_outcome", "contract_termination"}


def test_every_kind_of_answer_and_the_whole_response_are_marshmallows(client, monkeypatch):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    known = create_resident(village, id_number=id_number_for(date(1960, 5, 1)))
    create_enrollment(known)
    create_contract(known, create_team(township), local_today())
    screening = {"id": str(uuid.uuid4()), **screening_body(create_resident(village))}
    records: list[dict[str, Any]] = [
        *every_kind(village, known),
        {"type": "screening", "data": screening},
        {
            "type": "screening_outcome",
            "data": {
                "id": str(uuid.uuid4()),
                "screening_id": screening["id"],
                "condition": "hypertension",
                "outcome": "excluded",
                "on": local_today().isoformat(),
            },
        },
        {
            "type": "referral",
            "data": {
                "id": str(uuid.uuid4()),
                "resident_id": str(known.id),
                "facility_id": str(create_facility().id),
                "urgency": "routine",
                "reason": "血压控制不佳",
            },
        },
        {
            "type": "contact_attempt",
            "data": {
                "id": str(uuid.uuid4()),
                "resident_id": str(known.id),
                "at": utcnow().isoformat(),
                "channel": "phone",
                "result": "unreachable",
            },
        },
        # Refused: a duplicate names the resident there (existing_id), a bad record its fields.
        {
            "type": "resident",
            "data": {
                "name": "张伟",
                "sex": "M",
                "birth_date": "1960-05-01",
                "village_id": str(village.id),
                "sms_consent": True,
                "id_number": known.id_number,
            },
        },
        {"type": "followup", "data": {"id": str(uuid.uuid4()), "resident_id": str(known.id), "sbp": "high"}},
    ]
    answers: list[dict[str, Any]] = []
    sync = service.sync

    def kept(*args: Any, **kwargs: Any) -> dict[str, Any]:
        answers.append(sync(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(service, "sync", kept)
    response = push(client, doctor, records)
    statuses = [result["status"] for result in response["results"]]
    assert statuses == ["created"] * (len(records) - 2) + ["conflict", "invalid"], response["results"]
    assert sync_api._ANSWER(answers[0]) == SyncResponseSchema().dump(answers[0]) == response

    db.session.expire_all()
    dumped = set()
    for name, kind in service.KINDS.items():
        if name in NOT_ROWS:
            continue
        for row in db.session.scalars(select(kind.model)):
            assert service.ANSWERS[name](row) == kind.dump.dump(row), name
            dumped.add(name)
    assert dumped == service.KINDS.keys() - NOT_ROWS


def test_the_collector_is_held_for_the_whole_request_and_resumed_after_it(client, app, monkeypatch):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    seen: list[bool] = []
    loads = sync_api.load

    def parsed(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())  # the body is parsed with the collector held
        return loads(*args, **kwargs)

    monkeypatch.setattr(sync_api, "load", parsed)
    assert gc.isenabled()
    push(client, doctor, [])
    app.config["SYNC_MAX_RECORDS"], limit = 0, app.config["SYNC_MAX_RECORDS"]
    try:
        refused = api(client, "post", "/api/v1/sync", doctor, json={"records": [{}], "since": None})
    finally:
        app.config["SYNC_MAX_RECORDS"] = limit
    assert refused.status_code == 413
    assert seen == [False, False]
    assert gc.isenabled(), "resumed after an answer and after a refusal"
