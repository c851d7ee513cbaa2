"""Division codes and health record numbers (居民健康档案编号, DOMAIN.md v2)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.org.models import Township, Village
from fieldapp.residents.models import Resident
from fieldapp.residents.service import create_resident as service_create_resident
from tests.builders import api, auth_headers, create_resident, create_township, create_user, create_village
from tests.foundation.test_concurrent_writes import _post


def _resident_body(village_id: object, **fields: object) -> dict[str, object]:
    return {
        "name": "王芳",
        "sex": "F",
        "birth_date": "1961-03-02",
        "village_id": str(village_id),
        "sms_consent": False,
        **fields,
    }


def test_townships_and_villages_take_division_codes_in_order(client: FlaskClient) -> None:
    admin = create_user(Role.COUNTY_ADMIN)
    first = api(client, "post", "/api/v1/townships", admin, json={"code": "A", "name": "甲镇"}).get_json()
    given = api(
        client, "post", "/api/v1/townships", admin, json={"code": "B", "name": "乙镇", "division_code": "007"}
    ).get_json()
    after = api(client, "post", "/api/v1/townships", admin, json={"code": "C", "name": "丙镇"}).get_json()
    assert (first["division_code"], given["division_code"], after["division_code"]) == ("001", "007", "008")

    villages = [
        api(
            client,
            "post",
            "/api/v1/villages",
            admin,
            json={"code": f"V{n}", "name": f"村{n}", "township_id": township["id"]},
        ).get_json()
        for n, township in enumerate((first, first, given))
    ]
    # Unique within the township: each township counts from 001.
    assert [v["division_code"] for v in villages] == ["001", "002", "001"]


def test_division_codes_are_three_digits_and_unique_within_the_parent(client: FlaskClient) -> None:
    admin = create_user(Role.COUNTY_ADMIN)
    bad = api(
        client, "post", "/api/v1/townships", admin, json={"code": "A", "name": "甲镇", "division_code": "12"}
    )
    assert bad.status_code == 422
    assert "division_code" in bad.get_json()["error"]["fields"]
    ok = api(
        client, "post", "/api/v1/townships", admin, json={"code": "A", "name": "甲镇", "division_code": "012"}
    )
    assert ok.status_code == 201
    taken = api(
        client, "post", "/api/v1/townships", admin, json={"code": "B", "name": "乙镇", "division_code": "012"}
    )
    assert taken.status_code == 409
    township_id = ok.get_json()["id"]
    body = {"code": "V1", "name": "东村", "township_id": township_id, "division_code": "003"}
    assert api(client, "post", "/api/v1/villages", admin, json=body).status_code == 201
    again = {**body, "code": "V2", "name": "西村"}
    assert api(client, "post", "/api/v1/villages", admin, json=again).status_code == 409


def test_a_resident_gets_a_17_digit_record_number_of_county_township_village_and_serial(
    make_app: Callable[..., Flask],
) -> None:
    county = make_app(FIELDAPP_COUNTY_CODE="421122")
    with county.app_context():
        township = create_township()
        village = create_village(township)
        doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
        client = county.test_client()
        numbers = [
            api(client, "post", "/api/v1/residents", doctor, json=_resident_body(village.id)).get_json()[
                "record_number"
            ]
            for _ in range(2)
        ]
        prefix = f"421122{township.division_code}{village.division_code}"
        assert numbers == [f"{prefix}00001", f"{prefix}00002"]
        # Shown wherever a resident is: the resident, the list and search by the number.
        one = api(client, "get", f"/api/v1/residents?q={numbers[1]}", doctor).get_json()
        assert [r["record_number"] for r in one["items"]] == [numbers[1]]
        by_tail = api(client, "get", f"/api/v1/residents?q={numbers[0][-6:]}", doctor).get_json()
        assert [r["record_number"] for r in by_tail["items"]] == [numbers[0]]


def test_an_imported_record_keeps_its_number_and_later_ones_never_collide(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    prefix = f"000000{township.division_code}{village.division_code}"
    imported = api(
        client,
        "post",
        "/api/v1/residents",
        doctor,
        json=_resident_body(village.id, record_number=f"{prefix}00040"),
    )
    assert imported.status_code == 201
    assert imported.get_json()["record_number"] == f"{prefix}00040"
    taken = api(
        client,
        "post",
        "/api/v1/residents",
        doctor,
        json=_resident_body(village.id, record_number=f"{prefix}00040"),
    )
    assert taken.status_code == 409
    error = taken.get_json()["error"]
    assert error["code"] == "duplicate_resident"
    assert error["existing_id"] == imported.get_json()["id"]
    new = api(client, "post", "/api/v1/residents", doctor, json=_resident_body(village.id)).get_json()
    assert new["record_number"] == f"{prefix}00041"
    wrong = api(
        client, "post", "/api/v1/residents", doctor, json=_resident_body(village.id, record_number="12ab")
    )
    assert wrong.status_code == 422
    assert "record_number" in wrong.get_json()["error"]["fields"]


def test_the_record_number_never_changes(client: FlaskClient) -> None:
    township = create_township()
    village, other = create_village(township), create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village, other])
    resident = create_resident(village)
    number = resident.record_number
    moved = api(
        client, "patch", f"/api/v1/residents/{resident.id}", doctor, json={"village_id": str(other.id)}
    )
    assert moved.status_code == 200
    assert moved.get_json()["record_number"] == number
    refused = api(
        client, "patch", f"/api/v1/residents/{resident.id}", doctor, json={"record_number": "1" * 17}
    )
    assert refused.status_code == 422


def test_a_future_birth_date_is_reported_with_the_other_field_errors(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    body = _resident_body(village.id, birth_date="2999-01-01", sex="X", id_number="123")
    fields = api(client, "post", "/api/v1/residents", doctor, json=body).get_json()["error"]["fields"]
    assert {"birth_date", "sex", "id_number"} <= fields.keys()


def test_record_numbers_stay_unique_under_concurrent_creation(
    app: Flask, live_server: str, database_url: str
) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter (SQLite takes one writer at a time)")
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    headers = auth_headers(doctor)
    village_id = village.id
    statuses: list[int] = []
    lock = threading.Lock()

    def register(worker: int) -> None:
        for n in range(8):
            body = _resident_body(
                village_id, name=f"居民{worker}-{n}", birth_date=date(1950, 1, 1 + n).isoformat()
            )
            status = _post(f"{live_server}/api/v1/residents", headers, body)
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=register, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 48, sorted(statuses)
    db.session.expire_all()
    numbers = list(
        db.session.scalars(select(Resident.record_number).where(Resident.village_id == village.id))
    )
    prefix = f"000000{township.division_code}{village.division_code}"
    assert sorted(numbers) == [f"{prefix}{n:05d}" for n in range(1, 49)]


def test_record_numbers_of_one_flush_and_of_the_service_follow_each_other(app: Flask) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    db.session.add_all(
        [
            Resident(name=f"居民{n}", sex="M", birth_date=date(1950, 1, 1), village_id=village.id)
            for n in range(3)
        ]
    )
    db.session.commit()
    resident, _ = service_create_resident(
        doctor,
        {
            "id": uuid.uuid4(),
            "name": "李四",
            "sex": "M",
            "birth_date": date(1950, 1, 1),
            "village_id": village.id,
            "sms_consent": False,
        },
    )
    assert resident.record_number.endswith("00004")


@pytest.fixture
def migrated_from_first_edition(
    make_app: Callable[..., Flask],
    fresh_database_url: str,
    logging_kept: None,
) -> Iterator[Flask]:
    fresh = make_app(SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with fresh.app_context():
        upgrade(revision="0001")
        yield fresh


def test_the_migration_numbers_existing_townships_villages_and_residents(
    migrated_from_first_edition: Flask, fresh_database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(fresh_database_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stamp = {"created_at": now, "updated_at": now}
    t1, t2, v1, v2 = (uuid.uuid4() for _ in range(4))
    with engine.begin() as conn:
        # Only first-edition columns: the rows as the 0001 schema holds them.
        for tid, code in ((t1, "TB"), (t2, "TA")):
            conn.execute(insert(Township.__table__).values(id=tid, code=code, name="镇", **stamp))
        for vid, code in ((v1, "V2"), (v2, "V1")):
            conn.execute(
                insert(Village.__table__).values(id=vid, code=code, name="村", township_id=t1, **stamp)
            )
        for n in range(2):
            at = now + timedelta(days=n)
            conn.execute(
                insert(Resident.__table__).values(
                    id=uuid.uuid4(),
                    name="甲",
                    sex="M",
                    birth_date=date(1950, 1, 1),
                    village_id=v1,
                    sms_consent=False,
                    opted_out=False,
                    phone_invalid=False,
                    language="zh",
                    change_seq=0,
                    created_at=at,
                    updated_at=at,
                )
            )
    engine.dispose()
    upgrade()
    codes = dict(db.session.execute(text("SELECT code, division_code FROM townships")).all())
    assert codes == {"TA": "001", "TB": "002"}
    villages = dict(db.session.execute(text("SELECT code, division_code FROM villages")).all())
    assert villages == {"V1": "001", "V2": "002"}
    numbers = sorted(db.session.scalars(text("SELECT record_number FROM residents")))
    assert numbers == ["00000000200200001", "00000000200200002"]
    db.session.rollback()
    # The village's counter goes on after the migrated serials.
    later = Resident(name="乙", sex="F", birth_date=date(1950, 1, 1), village_id=v1, sms_consent=False)
    db.session.add(later)
    db.session.commit()
    assert later.record_number == "00000000200200003"
