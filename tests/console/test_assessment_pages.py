"""The assessment, verification review and training pages of the console."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.assessment.service import weights
from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.training.models import GuidanceVisit, Training
from fieldapp.verifications.models import Verification
from tests.assessment.builders import build_third_quarter, build_third_quarter_in
from tests.builders import auth_headers, create_facility, create_township, create_user
from tests.console.helpers import count_statements, post_form, sign_in


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    return build_third_quarter()


def test_the_manager_sees_each_doctors_parts_with_links_to_the_records(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, world["manager"], lang="zh")
    page = client.get("/console/assessment?period=2026Q3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "doctor_a" in html and "doctor_b" in html
    assert "数量" in html and "真实性" in html and "70.4%" in html and "70.0%" in html
    assert f"doctor_id={world['b'].id}" in html and "kind=dues" in html


@pytest.mark.parametrize(("kind", "rows"), [("dues", 3), ("followups", 2), ("outcomes", 3)])
def test_the_records_behind_a_number(
    client: FlaskClient, world: dict[str, Any], kind: str, rows: int
) -> None:
    sign_in(client, world["manager"])
    page = client.get(f"/console/assessment/records?doctor_id={world['b'].id}&kind={kind}&period=2026Q3")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("/console/residents/") == rows


def test_another_townships_doctor_is_not_found(client: FlaskClient, world: dict[str, Any]) -> None:
    stranger = create_user(Role.TOWNSHIP_MANAGER, township=create_township())
    sign_in(client, stranger)
    assert client.get(f"/console/assessment/records?doctor_id={world['a'].id}&kind=dues").status_code == 404
    assert client.get("/console/assessment?period=2026Q9").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_assessment_sheet_is_chinese_and_formula_safe(
    client: FlaskClient, world: dict[str, Any], fmt: str
) -> None:
    world["a"].name = '=HYPERLINK("http://x")'
    db.session.commit()
    sign_in(client, world["manager"], lang="zh")
    response = client.get(f"/console/assessment.{fmt}?period=2026Q3")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert rows[0][0] == "村医"
        names = [row[0] for row in rows[1:]]
        assert '\'=HYPERLINK("http://x")' in names
    else:
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert "村医绩效考核表" in sheet.cell(1, 1).value and "2026Q3" in sheet.cell(1, 1).value
        assert sheet.cell(2, 1).value == "村医" and sheet.cell(2, 2).value == "数量"
        cells = [sheet.cell(r, 1) for r in range(3, sheet.max_row + 1)]
        risky = next(c for c in cells if str(c.value).startswith("="))
        assert risky.data_type == "s" and risky.quotePrefix
        b_row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == "doctor_b")
        assert sheet.cell(b_row, 12).value == 0.7 and sheet.cell(b_row, 12).number_format == "0.0%"


def test_the_review_list_shows_the_phone_and_records_the_finding(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    denied = db.session.scalars(select(Verification).where(Verification.status == "denied")).one()
    sign_in(client, world["manager"], lang="zh")
    page = client.get("/console/verifications").get_data(as_text=True)
    assert f"tel:{denied.phone}" in page and "居民否认" in page
    assert page.count("<tr>") - 1 == 1  # only the denied one by default
    done = post_form(
        client,
        f"/console/verifications/{denied.id}/review",
        {"finding": "not_genuine", "note": "居民说没见过医生"},
    )
    assert done.status_code == 302
    db.session.refresh(denied)
    assert (denied.finding, denied.review_note, denied.reviewed_by) == (
        "not_genuine",
        "居民说没见过医生",
        world["manager"].id,
    )
    every = client.get(f"/console/verifications?status=all&doctor_id={world['a'].id}&period=2026Q3").get_data(
        as_text=True
    )
    assert every.count("tel:") == 3 and "不真实" in every


def test_only_the_townships_manager_reviews(client: FlaskClient, world: dict[str, Any]) -> None:
    denied = db.session.scalars(select(Verification).where(Verification.status == "denied")).one()
    sign_in(client, create_user(Role.TOWNSHIP_MANAGER, township=create_township()))
    assert (
        post_form(client, f"/console/verifications/{denied.id}/review", {"finding": "genuine"}).status_code
        == 404
    )
    sign_in(client, create_user(Role.COUNTY_ADMIN))
    page = client.get(f"/console/verifications?township_id={world['township'].id}").get_data(as_text=True)
    assert f"tel:{denied.phone}" in page and "/review" not in page


def test_the_county_admin_sets_the_weights(client: FlaskClient, world: dict[str, Any]) -> None:
    sign_in(client, world["manager"])
    assert client.get("/console/assessment/weights").status_code == 403
    sign_in(client, create_user(Role.COUNTY_ADMIN))
    form = {
        "quantity": "2",
        "timeliness": "1",
        "completeness": "1",
        "authenticity": "3",
        "outcomes": "1",
        "training": "0",
    }
    assert post_form(client, "/console/assessment/weights", form).status_code == 302
    assert weights()["authenticity"] == 3.0 and weights()["training"] == 0.0
    post_form(client, "/console/assessment/weights", {**form, "quantity": "-5"})
    assert weights()["quantity"] == 2.0


def test_recording_trainings_and_guidance_in_the_console(client: FlaskClient, world: dict[str, Any]) -> None:
    facility = create_facility()
    sign_in(client, world["manager"], lang="zh")
    training = post_form(
        client,
        "/console/training",
        {
            "starts_on": "2026-11-02",
            "days": "7",
            "topic": "慢病随访",
            "organiser": "县医院",
            "attendee_ids": [str(world["a"].id)],
        },
    )
    assert training.status_code == 302
    guidance = post_form(
        client,
        "/console/guidance-visits",
        {"township_id": str(world["township"].id), "on": "2026-11-05", "staff_name": "刘医生",
         "facility_id": str(facility.id), "place": "township", "village_id": "", "topic": "胰岛素使用"},
    )  # fmt: skip
    assert guidance.status_code == 302
    assert db.session.scalars(select(Training).where(Training.topic == "慢病随访")).one().attendee_ids == [
        world["a"].id
    ]
    assert db.session.scalars(select(GuidanceVisit)).one().staff_name == "刘医生"
    page = client.get("/console/training?year=2026").get_data(as_text=True)
    assert "慢病随访" in page and "刘医生" in page and "培训" in page
    assert date(2026, 11, 5).isoformat() in page


def _statements(client: FlaskClient, path: str) -> int:
    client.get(path)  # warm: the session's user and the catalogs are loaded once
    with count_statements() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_the_assessment_page_costs_the_same_statements_for_more_doctors(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, world["manager"])
    path = "/console/assessment?period=2026Q3"
    few = _statements(client, path)
    for _ in range(5):
        build_third_quarter_in(world["township"])
    assert _statements(client, path) == few


def test_each_list_report_and_export_of_issue_16_leaves_one_bulk_read_entry(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    manager, a, b = world["manager"], world["a"], world["b"]
    headers = auth_headers(manager)
    assert client.get(f"/api/v1/verifications?doctor_id={a.id}", headers=headers).status_code == 200
    assert client.get("/api/v1/reports/training?year=2026", headers=headers).status_code == 200
    assert client.get("/api/v1/verifications?status=nonsense", headers=headers).status_code == 422  # no entry
    console = client.application.test_client()
    sign_in(console, manager)
    for page in (
        "/console/verifications?status=confirmed&period=2026Q3",
        f"/console/assessment/records?doctor_id={b.id}&kind=dues&period=2026Q3",
        "/console/training?year=2026",
        "/console/assessment.csv?period=2026Q3",
    ):
        assert console.get(page).status_code == 200, page

    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id.is_(None)).order_by(AuditEntry.id)
    ).all()
    assert all(entry.user_id == manager.id for entry in entries)
    assert [(e.action, e.entity, e.row_count) for e in entries] == [
        ("list", "verifications", 3),  # A's three answered questions
        ("list", "training", 2),  # two doctors, no guidance visits
        ("list", "verifications", 2),
        ("list", "assessment_records", 3),
        ("list", "training", 2),
        ("export", "assessment", 2),
    ]
    filters = [json.loads(e.filters) for e in entries]
    assert filters[0] == {"doctor_id": str(a.id), "page": 1, "per_page": 50}
    assert filters[1] == {"township_id": str(world["township"].id), "year": 2026}  # the area answered
    assert filters[2] == {
        "township_id": str(world["township"].id), "status": "confirmed", "period": "2026Q3",
        "page": 1, "per_page": 50,
    }  # fmt: skip
    assert filters[3] == {"doctor_id": str(b.id), "kind": "dues", "period": "2026Q3"}
    assert filters[5] == {"township_id": str(world["township"].id), "period": "2026Q3"}
