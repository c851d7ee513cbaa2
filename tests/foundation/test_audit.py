"""Every read, creation and change of a resident's record is in the audit log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from fieldapp.audit.models import AuditEntry
from fieldapp.audit.service import write_entries
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


def _bulk_reads() -> list[tuple[uuid.UUID | None, str, str, dict, int | None]]:
    import json

    rows = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.entity_id.is_(None)).order_by(AuditEntry.id)
    )
    return [(r.user_id, r.action, r.entity, json.loads(r.filters or "{}"), r.row_count) for r in rows]


def test_every_bulk_read_leaves_one_entry_with_who_what_filters_and_rows(client: FlaskClient) -> None:
    from datetime import timedelta

    from fieldapp.timeutil import local_today
    from tests.builders import create_facility
    from tests.console.builders import create_referral_row
    from tests.console.helpers import sign_in
    from tests.followups.builders import create_enrollment
    from tests.messaging.builders import create_message

    township = create_township()
    village = create_village(township)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    residents = [create_resident(village, name=f"张{n}") for n in range(3)]
    for resident in residents:
        create_enrollment(resident, next_due_on=local_today() - timedelta(days=3))
        create_message(resident)
    create_referral_row(residents[0], create_facility().id, urgency="urgent")
    headers = auth_headers(manager)

    assert client.get(f"/api/v1/residents?q=张&village_id={village.id}", headers=headers).status_code == 200
    assert client.get("/api/v1/queue?status=overdue", headers=headers).status_code == 200
    assert client.get("/api/v1/messages?status=sent", headers=headers).status_code == 200
    assert client.get("/api/v1/referrals", headers=headers).status_code == 200
    assert client.post("/api/v1/sync", json={"records": []}, headers=headers).status_code == 200
    assert (
        client.get("/api/v1/queue?status=nonsense", headers=headers).status_code == 422
    )  # refused: no entry
    console = client.application.test_client()
    sign_in(console, manager)
    for page in ("/console/residents?q=张", "/console/queue?status=overdue", "/console/queue.csv?status=overdue",
                 "/console/messages", "/console/referrals"):  # fmt: skip
        assert console.get(page).status_code == 200, page

    reads = _bulk_reads()
    assert all(user_id == manager.id for user_id, *_rest in reads)
    what = [(action, entity, rows) for _u, action, entity, _f, rows in reads]
    assert what == [
        ("list", "residents", 3),
        ("list", "queue", 3),
        ("list", "messages", 3),
        ("list", "referrals", 1),
        ("list", "sync", 3 + 3 + 1),  # residents, enrollments, referrals
        ("list", "residents", 3),
        ("list", "queue", 3),
        ("export", "queue", 3),
        ("list", "messages", 3),
        ("list", "referrals", 1),
    ]
    filters = [f for *_a, f, _rows in reads]
    assert filters[0] == {"q": "张", "village_id": str(village.id), "page": 1, "per_page": 50}
    assert filters[1]["status"] == "overdue"
    assert filters[2]["status"] == "sent"
    assert filters[4] == {"pushed": 0}


def test_the_audit_log_page_shows_bulk_reads_in_chinese(client: FlaskClient) -> None:
    from tests.console.helpers import sign_in

    village = create_village(create_township())
    create_resident(village, name="张三")
    doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    client.get("/api/v1/residents?q=张", headers=auth_headers(doctor))
    admin = create_user(Role.COUNTY_ADMIN)
    sign_in(client, admin, lang="zh")
    page = client.get("/console/admin/audit").get_data(as_text=True)
    assert "查询列表" in page and "居民列表" in page
    assert "q=张" in page
    assert '<td class="num">1</td>' in page


def test_contract_lists_and_the_screening_and_health_check_queues_are_audited(client: FlaskClient) -> None:
    from tests.contracts.builders import create_contract, create_team

    township = create_township()
    village = create_village(township)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    residents = [create_resident(village, name=f"李{n}") for n in range(2)]
    from fieldapp.timeutil import local_today

    team = create_team(township)
    for resident in residents:
        create_contract(resident, team, local_today())
    headers = auth_headers(manager)

    assert client.get(f"/api/v1/contracts?village_id={village.id}", headers=headers).status_code == 200
    assert client.get("/api/v1/queue?status=screening", headers=headers).status_code == 200
    assert client.get("/api/v1/queue?status=health_check", headers=headers).status_code == 200

    reads = _bulk_reads()
    assert [(user_id, action, entity, rows) for user_id, action, entity, _f, rows in reads] == [
        (manager.id, "list", "contracts", 2),
        (manager.id, "list", "queue", 0),
        (manager.id, "list", "queue", 0),
    ]
    assert reads[0][3] == {"village_id": str(village.id), "page": 1, "per_page": 50}
    assert [f["status"] for *_a, f, _rows in reads[1:]] == ["screening", "health_check"]


def test_collected_entries_copied_on_postgresql_are_the_rows_an_insert_writes(app) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's; elsewhere the entries are the INSERT's own")
    doctor = create_user(Role.VILLAGE_DOCTOR, township=create_township())
    local = timezone(timedelta(hours=8))
    batch = [
        {
            "at": datetime(2026, 12, 1, 9, 30, 15, 250000, tzinfo=local),
            "user_id": doctor.id,
            "action": "create",
            "entity": "followup",
            "entity_id": uuid.uuid4(),
            "address": "10.0.0.7",
        },
        {
            "at": datetime(2026, 12, 1, 1, 31, tzinfo=UTC),
            "user_id": None,
            "action": "update",
            "entity": "resident",
            "entity_id": None,
            "address": None,
        },
    ]
    write_entries(batch)
    db.session.execute(
        insert(AuditEntry.__table__), [{**entry, "action": f"{entry['action']}!"} for entry in batch]
    )
    db.session.commit()
    stored = db.session.execute(
        select(AuditEntry.__table__)
        .where(AuditEntry.entity.in_(("followup", "resident")))
        .order_by(AuditEntry.id)
    ).mappings()
    copied, inserted = [], []
    for row in stored:
        values = {key: value for key, value in row.items() if key != "id"}
        target = inserted if values["action"].endswith("!") else copied
        target.append({**values, "action": values["action"].rstrip("!")})
    assert copied == inserted
    assert copied[0]["at"] == datetime(2026, 12, 1, 1, 30, 15, 250000, tzinfo=UTC)
