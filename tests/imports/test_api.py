"""``/api/v1/imports``: the upload's answers, the template, a large file through the job, and the errors."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient

from tests.builders import api
from tests.imports.builders import County, upload
from tests.imports.files import csv_file, xlsx_file, xlsx_rows
from tests.imports.rows import register_row


def test_the_template_is_an_empty_sheet_with_the_chinese_headers(client: FlaskClient, county: County) -> None:
    response = api(client, "GET", "/api/v1/imports/template", county.admin)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    assert xlsx_rows(response.data) == [list(register_row(county, 0))]


def test_the_template_filled_in_imports(client: FlaskClient, county: County) -> None:
    template = api(client, "GET", "/api/v1/imports/template", county.admin).data
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template))
    book.worksheets[0].append(list(register_row(county, 1).values()))
    filled = io.BytesIO()
    book.save(filled)
    body = upload(client, county.admin, filled.getvalue()).get_json()
    assert (body["created"], body["errors"]) == (1, [])


def test_a_large_file_runs_as_a_job_and_is_read_back_by_its_id(
    app: Flask, client: FlaskClient, county: County
) -> None:
    app.config["IMPORT_JOB_BYTES"] = 0  # every upload is "large"; without Redis the job runs in-process
    response = upload(client, county.admin, csv_file([register_row(county, n) for n in range(1, 4)]), "a.csv")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {"id", "status", "rows", "created", "updated", "unchanged", "errors", "progress"}
    again = api(client, "GET", f"/api/v1/imports/{body['id']}", county.admin).get_json()
    assert (again["status"], again["rows"], again["created"], again["progress"]) == ("done", 3, 3, 1.0)


def test_what_is_not_an_import_is_refused_with_the_envelope(client: FlaskClient, county: County) -> None:
    none = api(
        client,
        "POST",
        "/api/v1/imports",
        county.admin,
        data={"dry_run": "true"},
        content_type="multipart/form-data",
    )
    assert none.status_code == 422 and "file" in none.get_json()["error"]["fields"]
    other = upload(client, county.admin, "名字,年龄\n张三,40\n".encode(), "other.csv")
    assert other.status_code == 422
    assert "村编码" in other.get_json()["error"]["fields"]["file"][0]
    as_json = api(client, "POST", "/api/v1/imports", county.admin, json={"file": "x"})
    assert as_json.status_code == 400 and as_json.get_json()["error"]["code"] == "bad_request"
    empty = upload(client, county.admin, xlsx_file([]))
    assert empty.status_code == 201 and empty.get_json()["rows"] == 0
    unknown = api(client, "GET", "/api/v1/imports/00000000-0000-0000-0000-000000000000", county.admin)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"


def test_an_upload_over_the_import_limit_is_413(app: Flask, client: FlaskClient, county: County) -> None:
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = upload(
        client, county.admin, csv_file([register_row(county, n) for n in range(1, 40)]), "a.csv"
    )
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"


def test_an_upload_larger_than_other_bodies_may_be_is_accepted(
    app: Flask, client: FlaskClient, county: County
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = upload(
        client, county.admin, csv_file([register_row(county, n) for n in range(1, 40)]), "a.csv"
    )
    assert response.status_code == 201 and response.get_json()["created"] == 39
