"""Every read, creation and change of a resident's record is in the audit log."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient

from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import Role
from fieldapp.extensions import db
from tests.builders import auth_headers, create_resident, create_township, create_user, create_village


def entries() -> list[tuple[uuid.UUID | None, str, str, uuid.UUID, str | None]]:
    rows = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))
    return [(r.user_id, r.action, r.entity, r.entity_id, r.address) for r in rows]


def test_create_read_and_update_are_audited(client: FlaskClient) -> None:
    village = create_village(create_township())
    doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    headers = auth_headers(doctor)
    body = {
        "name": "王芳",
        "sex": "F",
        "birth_date": "1955-03-02",
        "village_id": str(village.id),
        "sms_consent": True,
    }

    resident_id = uuid.UUID(client.post("/api/v1/residents", json=body, headers=headers).get_json()["id"])
    client.get(f"/api/v1/residents/{resident_id}", headers=headers)
    client.patch(f"/api/v1/residents/{resident_id}", json={"name": "王芳芳"}, headers=headers)

    assert entries() == [
        (doctor.id, "create", "resident", resident_id, "127.0.0.1"),
        (doctor.id, "read", "resident", resident_id, "127.0.0.1"),
        (doctor.id, "update", "resident", resident_id, "127.0.0.1"),
    ]


def test_refused_and_replayed_requests_leave_no_entry(client: FlaskClient) -> None:
    village = create_village(create_township())
    resident = create_resident(village)
    outsider = create_user(Role.VILLAGE_DOCTOR, township=create_township(), villages=[])
    assert client.get(f"/api/v1/residents/{resident.id}", headers=auth_headers(outsider)).status_code == 404
    doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    body = {
        "id": str(uuid.uuid4()),
        "name": "王芳",
        "sex": "F",
        "birth_date": "1955-03-02",
        "village_id": str(village.id),
        "sms_consent": True,
    }
    headers = auth_headers(doctor)
    client.post("/api/v1/residents", json=body, headers=headers)
    client.post("/api/v1/residents", json=body, headers=headers)
    assert [action for _u, action, *_rest in entries()] == ["create"]
