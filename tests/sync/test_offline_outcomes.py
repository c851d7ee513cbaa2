"""Sync's extension records: a screening outcome and a contract termination made offline.

Each replayed (the phone lost the answer) or sent from a second phone changes nothing; bad
input is refused with every field error at once, in the caller's language.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from fieldapp.auth.models import Role, User
from fieldapp.contracts.models import Contract
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.screenings.models import ScreeningOutcome
from fieldapp.timeutil import local_today
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.contracts.builders import create_contract, create_team, days
from tests.screenings.builders import screening_body


def sync(client: FlaskClient, user: User, records: list[Any], since: str | None = None) -> Any:
    response = api(client, "post", "/api/v1/sync", user, json={"records": records, "since": since})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _world() -> tuple[Any, User, Any]:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    return village, doctor, create_resident(village)


def _outcome(screening_id: str, outcome: str = "confirmed", **fields: Any) -> dict[str, Any]:
    data = {
        "id": str(uuid.uuid4()),
        "screening_id": screening_id,
        "condition": "hypertension",
        "outcome": outcome,
        "on": local_today().isoformat(),
        **fields,
    }
    return {"type": "screening_outcome", "data": data}


def test_a_confirmation_made_offline_enrolls_once_however_often_it_comes(client: FlaskClient) -> None:
    village, doctor, resident = _world()
    screening = {"type": "screening", "data": {"id": str(uuid.uuid4()), **screening_body(resident)}}
    confirmed = _outcome(screening["data"]["id"])
    # The screening and its confirmation typed offline, and a follow-up of the new enrollment.
    first = sync(client, doctor, [screening, confirmed])
    assert [r["status"] for r in first["results"]] == ["created", "created"], first["results"]
    answer = first["results"][1]
    assert answer["id"] == confirmed["data"]["id"] and answer["type"] == "screening_outcome"
    assert answer["record"]["status"] == "closed"
    assert answer["record"]["enrollment"]["condition"] == "hypertension"
    assert answer["record"]["enrollment"]["enrolled_on"] == local_today().isoformat()
    assert [e["id"] for e in first["changes"]["enrollments"]] == [answer["record"]["enrollment"]["id"]]

    again = sync(client, doctor, [screening, confirmed], since=first["cursor"])
    assert [r["status"] for r in again["results"]] == ["unchanged", "unchanged"]
    assert again["results"][1]["record"]["enrollment"]["id"] == answer["record"]["enrollment"]["id"]
    # A second phone confirms the same screening under its own record id: the same enrollment.
    colleague = create_user(Role.TOWNSHIP_DOCTOR, township=village.township)
    (other,) = sync(client, colleague, [_outcome(screening["data"]["id"])])["results"]
    assert other["status"] == "unchanged"
    assert other["record"]["enrollment"]["id"] == answer["record"]["enrollment"]["id"]
    assert _count(Enrollment, Enrollment.resident_id == resident.id) == 1
    assert _count(ScreeningOutcome) == 1
    # The other outcome after it is refused, and so is the same record id with another body.
    (excluded,) = sync(client, colleague, [_outcome(screening["data"]["id"], "excluded")])["results"]
    assert (excluded["status"], excluded["code"]) == ("conflict", "invalid_transition")
    changed = {**confirmed, "data": {**confirmed["data"], "note": "另一个"}}
    changed["data"]["on"] = (local_today() - timedelta(days=1)).isoformat()
    assert sync(client, doctor, [changed])["results"][0]["status"] == "conflict"


def test_a_confirmation_and_a_follow_up_of_it_in_one_batch(client: FlaskClient) -> None:
    _village, doctor, resident = _world()
    screening = {"type": "screening", "data": {"id": str(uuid.uuid4()), **screening_body(resident)}}
    followup = {
        "type": "followup",
        "data": {
            "id": str(uuid.uuid4()),
            "resident_id": str(resident.id),
            "condition": "hypertension",
            "performed_at": screening["data"]["performed_at"],
            "mode": "clinic",
            "sbp": 150,
            "dbp": 92,
        },
    }
    results = sync(client, doctor, [screening, _outcome(screening["data"]["id"]), followup])["results"]
    assert [r["status"] for r in results] == ["created", "created", "created"], results


def test_not_reached_replayed_counts_one_attempt(client: FlaskClient) -> None:
    _village, doctor, resident = _world()
    screening = {"type": "screening", "data": {"id": str(uuid.uuid4()), **screening_body(resident)}}
    tried = _outcome(screening["data"]["id"], "not_reached")
    sync(client, doctor, [screening, tried])
    record = sync(client, doctor, [tried])["results"][0]
    assert record["status"] == "unchanged"
    assert record["record"]["outcomes"]["hypertension"]["attempts"] == 1
    assert record["record"]["status"] == "open"


def test_a_bad_outcome_is_refused_with_every_field_error(client: FlaskClient) -> None:
    _village, doctor, resident = _world()
    bad = {
        "type": "screening_outcome",
        "data": {"id": str(uuid.uuid4()), "condition": "asthma", "outcome": "maybe", "on": "tomorrow"},
    }
    (refused,) = sync(client, doctor, [bad])["results"]
    assert (refused["status"], refused["code"]) == ("invalid", "validation_error")
    assert set(refused["errors"]) == {"screening_id", "condition", "outcome", "on"}
    # In the caller's language (Chinese by default).
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for ms in refused["errors"].values() for m in ms)
    # Known fields, but a screening that suspects no diabetes and a date in the future: both at once.
    screening = {"type": "screening", "data": {"id": str(uuid.uuid4()), **screening_body(resident)}}
    sync(client, doctor, [screening])
    wrong = _outcome(
        screening["data"]["id"], condition="diabetes", on=(local_today() + timedelta(days=2)).isoformat()
    )
    (refused,) = sync(client, doctor, [wrong])["results"]
    assert set(refused["errors"]) == {"condition", "on"}
    assert _count(ScreeningOutcome) == 0


def test_an_outcome_outside_the_area_is_not_found(client: FlaskClient) -> None:
    _village, doctor, resident = _world()
    screening = {"type": "screening", "data": {"id": str(uuid.uuid4()), **screening_body(resident)}}
    sync(client, doctor, [screening])
    _far, stranger, _someone = _world()
    (refused,) = sync(client, stranger, [_outcome(screening["data"]["id"])])["results"]
    assert (refused["status"], refused["code"]) == ("invalid", "not_found")
    assert _count(Enrollment) == 0


def _termination(contract_id: Any, **fields: Any) -> dict[str, Any]:
    data = {
        "id": str(uuid.uuid4()),
        "contract_id": str(contract_id),
        "reason": "迁出本村",
        "on": local_today().isoformat(),
        **fields,
    }
    return {"type": "contract_termination", "data": data}


def test_a_termination_made_offline_terminates_once(client: FlaskClient) -> None:
    village, doctor, resident = _world()
    contract = create_contract(resident, create_team(village.township), local_today() - days(30))
    ended = _termination(contract.id)
    first = sync(client, doctor, [ended])
    (result,) = first["results"]
    assert (result["id"], result["type"], result["status"]) == (
        ended["data"]["id"],
        "contract_termination",
        "created",
    )
    assert result["record"]["status"] == "terminated"
    assert result["record"]["termination_reason"] == "迁出本村"
    pulled = {row["id"]: row for row in first["changes"]["contracts"]}
    assert pulled[str(contract.id)]["terminated_on"] == local_today().isoformat()
    assert str(resident.id) in {row["id"] for row in first["changes"]["residents"]}
    # Replayed, and sent again from a second phone: nothing changes.
    assert sync(client, doctor, [ended])["results"][0]["status"] == "unchanged"
    colleague = create_user(Role.TOWNSHIP_DOCTOR, township=village.township)
    assert sync(client, colleague, [_termination(contract.id)])["results"][0]["status"] == "unchanged"
    # Another date or reason for a terminated contract is refused.
    (other,) = sync(client, doctor, [_termination(contract.id, reason="死亡")])["results"]
    assert (other["status"], other["code"]) == ("conflict", "invalid_transition")
    stored = db.session.get(Contract, contract.id)
    db.session.refresh(stored)
    assert (stored.terminated_on, stored.termination_reason) == (local_today(), "迁出本村")


def test_signed_and_terminated_offline_in_one_batch(client: FlaskClient) -> None:
    village, doctor, resident = _world()
    team = create_team(village.township)
    signed = {
        "type": "contract",
        "data": {
            "id": str(uuid.uuid4()),
            "resident_id": str(resident.id),
            "team_id": str(team.id),
            "signed_on": local_today().isoformat(),
        },
    }
    results = sync(client, doctor, [signed, _termination(signed["data"]["id"])])["results"]
    assert [r["status"] for r in results] == ["created", "created"], results
    assert results[1]["record"]["status"] == "terminated"


def test_a_bad_termination_is_refused_with_every_field_error(client: FlaskClient) -> None:
    village, doctor, resident = _world()
    bad = {"type": "contract_termination", "data": {"id": str(uuid.uuid4()), "reason": "", "on": "soon"}}
    (refused,) = sync(client, doctor, [bad])["results"]
    assert (refused["status"], refused["code"]) == ("invalid", "validation_error")
    assert set(refused["errors"]) == {"contract_id", "reason", "on"}
    contract = create_contract(resident, create_team(village.township), local_today() - days(3))
    early = _termination(contract.id, on=(local_today() - days(10)).isoformat())
    (refused,) = sync(client, doctor, [early])["results"]
    assert set(refused["errors"]) == {"on"}
    _far, stranger, _someone = _world()
    (hidden,) = sync(client, stranger, [_termination(contract.id)])["results"]
    assert hidden["code"] == "not_found"
    assert db.session.get(Contract, contract.id).terminated_on is None
