"""Every console export: Chinese, typed, laid out to hand on, and never a formula (CSV and XLSX)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from fieldapp.auth.models import Role
from fieldapp.console.exports import Column, Kind, Table, csv_bytes, table_download, xlsx_bytes
from fieldapp.timeutil import local_today
from tests.builders import create_resident, create_township, create_user, create_village
from tests.console.builders import create_enrollment
from tests.console.helpers import sign_in

HOSTILE = '=HYPERLINK("http://x","y")'
HOSTILE_VALUES = (HOSTILE, "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=1")
# Every export the console offers, as (path, what its rows name).
EXPORTS = ("/console/queue.{fmt}?status=all", "/console/indicators.{fmt}")


@pytest.fixture
def hostile_world(app: object) -> dict[str, object]:
    """Residents and a village whose names a spreadsheet would read as formulas."""
    township = create_township(code="TS9", name="青山镇")
    village = create_village(township, name="@SUM(1+1)")
    for n, name in enumerate(HOSTILE_VALUES):
        resident = create_resident(village, name=name, sex="F", phone=f"+861390000{n:04d}")
        create_enrollment(resident, next_due_on=local_today() - timedelta(days=10 + n))
    return {"township": township, "manager": create_user(Role.TOWNSHIP_MANAGER, township=township)}


def _book(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize("path", EXPORTS)
def test_no_export_ever_carries_a_formula(client: FlaskClient, hostile_world: dict, path: str) -> None:
    sign_in(client, hostile_world["manager"])
    xlsx = client.get(path.format(fmt="xlsx"))
    assert xlsx.status_code == 200 and xlsx.headers["Cache-Control"] == "no-store"
    sheet = _book(xlsx.data)
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert "@SUM(1+1)" in texts  # the village, kept as its text
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate

    response = client.get(path.format(fmt="csv"))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith("\ufeff".encode())
    values = [v for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig"))) for v in row]
    assert "'@SUM(1+1)" in values and "@SUM(1+1)" not in values
    assert not [v for v in values if v.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_queue_export_names_hostile_residents_as_text(client: FlaskClient, hostile_world: dict) -> None:
    sign_in(client, hostile_world["manager"])
    sheet = _book(client.get("/console/queue.xlsx?status=all").data)
    names = [row[0].value for row in sheet.iter_rows(min_row=3)]
    # XML keeps no bare carriage return: openpyxl reads "\r=1" back as "\n=1", still text.
    assert set(names) == {value.replace("\r", "\n") for value in HOSTILE_VALUES}
    hyperlink = next(row[0] for row in sheet.iter_rows(min_row=3) if row[0].value == HOSTILE)
    assert hyperlink.data_type == "s"
    rows = list(csv.reader(io.StringIO(client.get("/console/queue.csv?status=all").data.decode("utf-8-sig"))))
    assert "'" + HOSTILE in [row[0] for row in rows[1:]]


def test_queue_xlsx_is_laid_out_to_hand_on(client: FlaskClient, hostile_world: dict) -> None:
    sign_in(client, hostile_world["manager"])
    sheet = _book(client.get("/console/queue.xlsx?status=overdue").data)
    title = sheet["A1"].value
    assert "青山镇" in title and "随访队列" in title and "已逾期" in title
    assert local_today().isoformat() in title
    header = [cell.value for cell in sheet[2]]
    assert header[:4] == ["姓名", "性别", "出生日期", "联系电话"] and "应随访日期" in header
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref.startswith("A2:")
    assert all(sheet.column_dimensions[letter].width >= 6 for letter in "ABCDEFG")
    first = [cell for cell in sheet[3]]
    by_header = dict(zip(header, first, strict=True))
    assert by_header["性别"].value == "女" and by_header["病种"].value == "高血压"
    assert by_header["状态"].value == "已逾期"
    birth, due = by_header["出生日期"], by_header["应随访日期"]
    assert birth.is_date and birth.number_format == "yyyy-mm-dd"
    assert due.is_date and due.value.date() <= local_today() - timedelta(days=10)
    assert by_header["逾期天数"].data_type == "n"


def test_the_export_module_writes_types_and_text_alike_in_both_formats() -> None:
    table = Table(
        "标题",
        [
            Column("name"),
            Column("due_on", Kind.DATE),
            Column("x", Kind.RATE, header="率"),
            Column("n", Kind.INT),
        ],
        [["-负", date(2026, 1, 2), 0.5, -3], [None, None, None, None], ["a\x01b", date(2026, 1, 3), 1, 0]],
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))
    assert rows == [["姓名", "应随访日期", "率", "n"], ["'-负", "2026-01-02", "50.0%", "-3"], ["", "", "", ""],
                    ["a\x01b", "2026-01-03", "100.0%", "0"]]  # fmt: skip
    sheet = _book(xlsx_bytes(table, "t"))
    assert sheet["A3"].value == "-负" and sheet["A3"].data_type == "s"
    assert sheet["C3"].value == 0.5 and sheet["C3"].number_format == "0.0%"
    assert sheet["D3"].value == -3 and sheet["A5"].value == "ab"  # control characters dropped


def test_a_table_of_plain_headers_goes_through_the_same_export(app: Flask) -> None:
    rows = [[HOSTILE, date(2026, 3, 1), 3], ["王芳", None, None]]
    with app.test_request_context():
        xlsx = table_download("xlsx", "sheet-1", ["姓名", "日期", "次数"], rows)
        text = table_download("csv", "sheet-1", ["姓名", "日期", "次数"], rows).get_data().decode("utf-8-sig")
    sheet = _book(xlsx.get_data())
    assert [c.value for c in sheet[2]] == ["姓名", "日期", "次数"] and sheet.freeze_panes == "A3"
    assert sheet["A3"].data_type == "s" and sheet["B3"].is_date and sheet["C3"].value == 3
    assert text.splitlines()[1].startswith("\"'=HYPERLINK")
