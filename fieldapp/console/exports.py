"""CSV and XLSX downloads of a table (header row plus rows of plain values)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from fieldapp.errors import NotFoundError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# A cell starting with one of these would be read as a formula by a spreadsheet (API.md).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(value: Any) -> bool:
    """True for a text value a spreadsheet would take as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return f"'{value}" if starts_formula(value) else value


def _csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(value) for value in header])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    # The byte-order mark makes Excel read the Chinese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if not starts_formula(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, never a formula
    return cell


def _xlsx_bytes(sheet_title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    for row in (header, *rows):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_download(fmt: str, filename: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    """The table as a ``fmt`` (csv or xlsx) attachment named ``filename.fmt``."""
    if fmt not in FORMATS:
        raise NotFoundError("No such export format.")
    body = _csv_bytes(header, rows) if fmt == "csv" else _xlsx_bytes(filename, header, rows)
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
