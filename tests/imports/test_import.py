"""Importing a register: what a row writes, every error kind, dry runs, repeats and matches."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, Text, cast, func, insert, select

from fieldapp.dbtypes import Counter
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.imports.models import ImportedFollowUp
from fieldapp.residents.models import Resident
from tests.builders import api, create_resident
from tests.imports.builders import County, upload
from tests.imports.files import csv_file, xlsx_file, xlsx_rows
from tests.imports.rows import id_number, register_row

TABLES = (Resident, Enrollment, FollowUp, ImportedFollowUp)


def _counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in TABLES
    }


def _summary(body: dict[str, Any]) -> tuple[int, int, int, int]:
    return body["rows"], body["created"], body["updated"], body["unchanged"]


def _resident(record_number: str) -> Resident:
    resident = db.session.scalar(select(Resident).where(Resident.record_number == record_number))
    assert resident is not None
    return resident


def test_a_row_creates_the_resident_their_enrollments_and_an_imported_last_followup(
    client: FlaskClient, county: County
) -> None:
    row = register_row(county, 7, 末次收缩压=152, 末次舒张压=92, 末次空腹血糖=7.4)
    response = upload(client, county.admin, xlsx_file([row]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "done" and body["progress"] == 1.0 and body["errors"] == []
    assert _summary(body) == (1, 1, 0, 0)

    resident = _resident(row["档案编号"])
    assert (resident.name, resident.sex, resident.birth_date) == ("居民7", "F", date(1950, 3, 2))
    assert (resident.id_number, resident.phone) == (row["身份证号"], "+8613800000007")
    assert resident.village_id == county.village.id and resident.sms_consent is False
    enrollments = {e.condition: e for e in db.session.scalars(select(Enrollment))}
    assert enrollments["hypertension"].diagnosed_on == date(2015, 6, 1)
    assert enrollments["diabetes"].enrolled_on == date(2018, 1, 5)
    followups = {f.condition: f for f in db.session.scalars(select(FollowUp))}
    assert set(followups) == {"hypertension", "diabetes"}
    for condition, followup in followups.items():
        assert followup.performed_at == datetime(2026, 11, 20, 4, tzinfo=UTC)  # local noon
        assert (followup.sbp, followup.dbp, followup.fasting_glucose) == (152, 92, 7.4)
        assert followup.mode == "clinic" and followup.performed_by is None
        assert followup.classification == "uncontrolled"  # 152/92 at 76; glucose 7.4
        # The enrollment's due date follows the imported follow-up by the rules: recheck in 14 days.
        assert followup.next_due_on == enrollments[condition].next_due_on == date(2026, 12, 4)
    marks = db.session.scalars(select(ImportedFollowUp.followup_id))
    assert set(marks) == {f.id for f in followups.values()}


def test_an_imported_followup_stores_what_a_core_insert_of_its_values_stores(
    client: FlaskClient, county: County
) -> None:
    """On PostgreSQL the import writes by COPY: its JSON columns must read as an INSERT's would."""
    row = register_row(county, 7, 糖尿病确诊日期=None, 末次收缩压=152, 末次舒张压=92, 末次空腹血糖=None)
    assert upload(client, county.admin, xlsx_file([row])).status_code == 201
    table = FollowUp.__table__
    imported = dict(db.session.execute(select(table)).one()._mapping)
    again = {**imported, "id": uuid.uuid4()}
    db.session.execute(insert(table), [again])
    json_columns = [c for c in table.columns if isinstance(c.type, JSON)]
    assert {c.name for c in json_columns} >= {"record", "danger_signs", "missing_items"}
    stored = {
        followup_id: values
        for followup_id, *values in db.session.execute(
            select(table.c.id, *(cast(c, Text) for c in json_columns))
        )
    }
    assert stored[imported["id"]] == stored[again["id"]]
    assert "null" not in stored[imported["id"]]


def test_a_controlled_last_reading_is_due_in_90_days_and_no_followup_is_due_today(
    client: FlaskClient, county: County
) -> None:
    rows = [
        register_row(county, 1, 糖尿病确诊日期=None, 末次空腹血糖=None),
        register_row(
            county,
            2,
            糖尿病确诊日期=None,
            末次随访日期=None,
            末次收缩压=None,
            末次舒张压=None,
            末次空腹血糖=None,
        ),
    ]
    assert _summary(upload(client, county.admin, xlsx_file(rows)).get_json()) == (2, 2, 0, 0)
    due = {
        number: next_due
        for number, next_due in db.session.execute(
            select(Resident.record_number, Enrollment.next_due_on).join(Enrollment)
        )
    }
    assert due[rows[0]["档案编号"]] == date(2027, 2, 18)  # controlled: +90 days
    from fieldapp.timeutil import local_today

    assert due[rows[1]["档案编号"]] == local_today()  # nothing to go by: due at once


def test_a_small_file_covering_every_error_kind(client: FlaskClient, county: County) -> None:
    bad_check_digit = id_number(30)[:-1] + ("1" if id_number(30)[-1] != "1" else "2")
    rows = [
        register_row(county, 1),
        register_row(county, 2, 档案编号=None),  # numbered by fieldapp
        register_row(county, 3, 村编码="099"),
        register_row(county, 4, 出生日期="1950-13-01"),
        register_row(county, 5, 身份证号=bad_check_digit),
        register_row(county, 6, 联系电话="12345"),
        register_row(county, 7, 身份证号=id_number(1)),  # the same 身份证号 as row 2 of the sheet
        register_row(county, 8, 档案编号=f"{county.prefix(county.neighbour)}10008"),
        register_row(county, 9, 乡镇编码="009"),
        register_row(county, 10, 末次舒张压=150, 末次收缩压=140, 高血压确诊日期="2030-01-01"),
    ]
    body = upload(client, county.admin, xlsx_file(rows)).get_json()
    assert _summary(body) == (10, 2, 0, 0), body["errors"][6:]
    named = {(e["row"], e["column"]) for e in body["errors"]}
    assert named == {
        (4, "村编码"),
        (5, "出生日期"),
        (6, "身份证号"),
        (7, "联系电话"),
        (8, "身份证号"),
        (9, "档案编号"),
        (10, "乡镇编码"),
        (11, "末次舒张压"),
        (11, "高血压确诊日期"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert "未知的村编码" in messages[(4, "村编码")]
    assert "不是有效的日期" in messages[(5, "出生日期")]
    assert "校验位" in messages[(6, "身份证号")]
    assert "电话号码" in messages[(7, "联系电话")]
    assert messages[(8, "身份证号")] == "与第2行的身份证号重复"
    assert "与乡镇编码、村编码不一致" in messages[(9, "档案编号")]
    assert _counts()["residents"] == 2
    assert _resident(register_row(county, 1)["档案编号"]).name == "居民1"
    numbered = db.session.scalar(select(Resident).where(Resident.name == "居民2"))
    assert numbered is not None and numbered.record_number.startswith(county.prefix())

    report = api(client, "GET", f"/api/v1/imports/{body['id']}/errors.xlsx", county.admin)
    assert report.status_code == 200
    sheet = xlsx_rows(report.data)
    assert sheet[0][:15] == [*register_row(county, 0).keys(), "错误"]
    assert [line[15] for line in sheet[1:]] == [4, 5, 6, 7, 8, 9, 10, 11]
    by_row = {line[15]: line for line in sheet[1:]}
    assert by_row[11][14] and "末次舒张压" in by_row[11][14] and "高血压确诊日期" in by_row[11][14]
    assert by_row[7][5] == "12345"  # the cell as it was, ready to fix


def test_the_fixed_report_uploaded_again_brings_the_rest_in(client: FlaskClient, county: County) -> None:
    rows = [register_row(county, 1), register_row(county, 2, 联系电话="12345")]
    first = upload(client, county.admin, xlsx_file(rows)).get_json()
    report = xlsx_rows(api(client, "GET", f"/api/v1/imports/{first['id']}/errors.xlsx", county.admin).data)
    header, fixed = report[0], report[1]
    fixed[header.index("联系电话")] = "13800000002"
    again = upload(client, county.admin, xlsx_file([dict(zip(header, fixed, strict=True))]))
    assert again.get_json()["errors"] == [] and _summary(again.get_json()) == (1, 1, 0, 0)
    assert _counts()["residents"] == 2


def test_gb18030_and_bom_csv_files_import_alike(client: FlaskClient, county: County) -> None:
    gb = upload(client, county.admin, csv_file([register_row(county, 1)], encoding="gb18030"), "old.csv")
    assert gb.status_code == 201 and _summary(gb.get_json()) == (1, 1, 0, 0), gb.get_json()
    assert _resident(register_row(county, 1)["档案编号"]).name == "居民1"
    bom = upload(client, county.admin, csv_file([register_row(county, 1)], encoding="utf-8-sig"), "old.csv")
    assert _summary(bom.get_json()) == (1, 0, 0, 1)


def test_a_dry_run_counts_and_names_everything_and_writes_nothing(
    client: FlaskClient, county: County
) -> None:
    existing = create_resident(county.village, id_number=id_number(2), name="旧名")
    rows = [
        register_row(county, 1),
        register_row(county, 2, 档案编号=None),
        register_row(county, 3, 联系电话="1"),
    ]
    before = _counts()
    counters = dict(db.session.execute(select(Counter.name, Counter.value)).all())
    body = upload(client, county.admin, xlsx_file(rows), dry_run=True).get_json()
    assert body["dry_run"] is True and body["status"] == "done"
    assert _summary(body) == (3, 1, 1, 0)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "联系电话")]
    db.session.expire_all()
    assert _counts() == before
    assert dict(db.session.execute(select(Counter.name, Counter.value)).all()) == counters
    assert db.session.get(Resident, existing.id).name == "旧名"


def test_the_same_file_twice_changes_nothing_and_a_corrected_file_only_its_rows(
    client: FlaskClient, county: County
) -> None:
    rows = [register_row(county, n) for n in range(1, 6)]
    assert _summary(upload(client, county.admin, xlsx_file(rows)).get_json()) == (5, 5, 0, 0)
    seq = db.session.scalar(select(func.max(Resident.change_seq)))
    counts = _counts()

    again = upload(client, county.admin, xlsx_file(rows)).get_json()
    assert _summary(again) == (5, 0, 0, 5) and again["errors"] == []
    assert _counts() == counts
    assert db.session.scalar(select(func.max(Resident.change_seq))) == seq

    rows[1] = register_row(county, 2, 联系电话="13900000002")
    rows[3] = register_row(county, 4, 末次随访日期="2026-11-25", 末次收缩压=160, 末次舒张压=95)
    corrected = upload(client, county.admin, xlsx_file(rows)).get_json()
    assert _summary(corrected) == (5, 0, 2, 3)
    assert _counts() == counts  # the imported follow-ups are corrected, not added to
    assert _resident(rows[1]["档案编号"]).phone == "+8613900000002"
    fourth = _resident(rows[3]["档案编号"])
    followup = db.session.scalar(
        select(FollowUp).where(FollowUp.resident_id == fourth.id, FollowUp.condition == "hypertension")
    )
    assert followup is not None and (followup.sbp, followup.classification) == (160, "uncontrolled")
    enrollment = db.session.get(Enrollment, followup.enrollment_id)
    assert enrollment is not None and enrollment.next_due_on == date(2026, 12, 9)
    untouched = _resident(rows[0]["档案编号"])
    assert untouched.change_seq == seq


def test_rows_match_existing_residents_by_record_number_then_identity_number(
    client: FlaskClient, county: County
) -> None:
    by_record = create_resident(
        county.village, record_number=register_row(county, 1)["档案编号"], name="旧一"
    )
    by_identity = create_resident(county.neighbour, id_number=id_number(2), name="旧二")
    rows = [
        register_row(county, 1, 身份证号=None),
        register_row(county, 2, 档案编号=None),  # moves to village 001
        register_row(county, 3, 身份证号=id_number(2)),  # another record number, an id number that is taken
    ]
    number_before = by_identity.record_number
    body = upload(client, county.admin, xlsx_file(rows[:2])).get_json()
    assert _summary(body) == (2, 0, 2, 0), body
    db.session.expire_all()
    assert (by_record.name, by_identity.name) == ("居民1", "居民2")
    assert by_identity.village_id == county.village.id
    assert by_identity.record_number == number_before  # a record number never changes
    enrolled = db.session.scalars(
        select(Enrollment.village_id).where(Enrollment.resident_id == by_identity.id)
    )
    assert set(enrolled) == {county.village.id}

    conflict = upload(client, county.admin, xlsx_file([rows[2]])).get_json()
    assert _summary(conflict) == (1, 0, 0, 0)
    assert [(e["row"], e["column"]) for e in conflict["errors"]] == [(2, "身份证号")]
    assert by_identity.record_number in conflict["errors"][0]["message"]


def test_two_rows_naming_one_resident_by_different_keys_are_refused(
    client: FlaskClient, county: County
) -> None:
    existing = create_resident(
        county.village, record_number=register_row(county, 1)["档案编号"], id_number=id_number(1)
    )
    rows = [
        register_row(county, 1, 身份证号=None),
        register_row(county, 2, 档案编号=None, 身份证号=id_number(1)),
    ]
    body = upload(client, county.admin, xlsx_file(rows)).get_json()
    assert _summary(body) == (2, 0, 1, 0)
    assert [(e["row"], e["message"]) for e in body["errors"]] == [
        (3, "与第2行是同一位居民（档案编号或身份证号相同）")
    ]
    assert db.session.get(Resident, existing.id) is not None


def test_a_row_without_a_record_number_never_takes_one_a_later_row_brings(
    app: Flask, client: FlaskClient, county: County
) -> None:
    app.config["IMPORT_BATCH_ROWS"] = 1
    brought = f"{county.prefix()}00001"  # what the village's counter would give first
    rows = [register_row(county, 1, 档案编号=None), register_row(county, 2, 档案编号=brought)]
    body = upload(client, county.admin, xlsx_file(rows)).get_json()
    assert _summary(body) == (2, 2, 0, 0) and body["errors"] == []
    numbered = db.session.scalar(select(Resident.record_number).where(Resident.name == "居民1"))
    assert numbered == f"{county.prefix()}00002"
    assert _resident(brought).name == "居民2"
