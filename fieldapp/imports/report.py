"""The XLSX files of an import: the empty template, and the report of rejected rows to fix and upload again."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fieldapp.imports.columns import COLUMNS, ERROR_HEADER, HEADERS

# Columns whose digits Excel must keep as typed (an 18-digit number would lose its last digits).
TEXT_COLUMNS = {"record_number", "id_number", "phone", "village_code", "township_code"}
# A cell starting with one of these would be a formula in a spreadsheet: keep it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _format_columns(sheet: Worksheet, extra: int = 0) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.key in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
    if extra:
        sheet.column_dimensions[get_column_letter(len(COLUMNS) + 1)].width = 60


def template_xlsx() -> bytes:
    """An empty sheet with the import's Chinese headers, and a sheet saying what each column holds."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "居民"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    _format_columns(sheet)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "否", column.hint])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["C"].width = 50
    return _save(book)


def _text_cell(sheet: Worksheet, value: Any) -> Any:
    """A cell whose text stays text (never a formula); other values as they are."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
    return cell


def error_report_xlsx(errors: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> bytes:
    """The rejected rows as they were, with an 错误 column naming each problem: fix them and upload again."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        if error.get("row") is not None:
            by_row[int(error["row"])].append(f"{error['column']}：{error['message']}")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("需修改的行")
    _format_columns(sheet, extra=1)
    sheet.append([*HEADERS, ERROR_HEADER, "原行号"])
    for item in rejected:
        values = item["values"]
        cells = [_text_cell(sheet, values.get(column.key)) for column in COLUMNS]
        sheet.append([*cells, _text_cell(sheet, "；".join(by_row.get(item["row"], []))), item["row"]])
    return _save(book)
