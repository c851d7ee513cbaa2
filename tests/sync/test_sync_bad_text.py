"""Text the database cannot store refuses its own sync record only, never the batch (PostgreSQL: NUL)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.residents.models import Resident
from tests.builders import auth_headers, create_township, create_user, create_village

BATCH = 1200


def _resident(village_id: str, name: str) -> dict[str, object]:
    return {
        "type": "resident",
        "data": {
            "id": str(uuid.uuid4()),
            "name": name,
            "sex": "F",
            "birth_date": "1958-07-09",
            "village_id": village_id,
            "sms_consent": True,
        },
    }


def test_one_nul_record_in_a_batch_of_1200_refuses_that_record_only(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    records = [_resident(str(village.id), f"居民{n}") for n in range(BATCH)]
    middle = BATCH // 2
    records[middle]["data"]["name"] = "李\x00秀英"  # type: ignore[index]
    records[middle + 1]["data"]["note_to_self"] = "\ud800"  # type: ignore[index]  # a lone surrogate, and unknown
    body = json.dumps({"records": records, "since": None})  # \u escapes: how a phone's JSON carries them

    headers = auth_headers(doctor)
    savepoints: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("SAVEPOINT"):
            savepoints.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.post("/api/v1/sync", data=body, content_type="application/json", headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    results = response.get_json()["results"]
    assert len(results) == BATCH
    bad = results[middle]
    assert bad["status"] == "invalid" and bad["code"] == "validation_error"
    assert list(bad["errors"]) == ["name"]
    assert results[middle + 1]["status"] == "invalid"
    assert list(results[middle + 1]["errors"]) == ["note_to_self"]
    assert [r["status"] for n, r in enumerate(results) if n not in (middle, middle + 1)] == ["created"] * (
        BATCH - 2
    )
    assert db.session.scalar(select(func.count()).select_from(Resident)) == BATCH - 2
    # The refused records wrote nothing: the rest still went in together, not a savepoint each.
    assert len(savepoints) <= 2


def test_a_malformed_or_out_of_range_cursor_is_a_bad_request(client: FlaskClient) -> None:
    doctor = create_user(Role.COUNTY_ADMIN)
    zero = uuid.UUID(int=0).hex
    cursors = [
        "%%%",
        base64.urlsafe_b64encode(
            f"{10**30}.0.{zero}".encode()
        ).decode(),  # past BIGINT: once an OverflowError
        base64.urlsafe_b64encode(f"-5.0.{zero}".encode()).decode(),
        base64.urlsafe_b64encode(f"1.99.{zero}".encode()).decode(),
        base64.urlsafe_b64encode(b"\x00\x01").decode(),
    ]
    for cursor in cursors:
        response = client.post(
            "/api/v1/sync", json={"records": [], "since": cursor}, headers=auth_headers(doctor)
        )
        assert response.status_code == 400, (cursor, response.get_data(as_text=True))
        assert response.get_json()["error"]["code"] == "bad_request"


def test_a_surrogate_sent_as_utf_8_bytes_refuses_its_record_only(client: FlaskClient) -> None:
    """A lone surrogate as its own UTF-8 bytes (read back by Python's json), beside text that
    only looks like an escape: the one is refused, the other stored as written."""
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    records = [_resident(str(village.id), name) for name in ("王\ud800芳", "路径\\u0000", "张伟")]
    body = json.dumps({"records": records, "since": None}, ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )
    assert b"\xed\xa0\x80" in body

    response = client.post(
        "/api/v1/sync", data=body, content_type="application/json", headers=auth_headers(doctor)
    )

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["invalid", "created", "created"]
    assert list(results[0]["errors"]) == ["name"]
    names = set(db.session.scalars(select(Resident.name)))
    assert names == {"路径\\u0000", "张伟"}


def test_a_record_whose_type_is_not_text_is_invalid_not_a_server_error(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    good = _resident(str(village.id), "张伟")
    odd = [
        {"type": kind, "data": {"id": str(uuid.uuid4()), "resident_id": str(uuid.uuid4())}}
        for kind in ([], {"resident": 1}, 7)
    ]

    response = client.post(
        "/api/v1/sync", json={"records": [*odd, good], "since": None}, headers=auth_headers(doctor)
    )

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["invalid", "invalid", "invalid", "created"]
    assert all(list(r["errors"]) == ["type"] for r in results[:3])
