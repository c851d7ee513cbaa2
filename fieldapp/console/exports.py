"""The one export every console download goes through: CSV and XLSX fit to hand on.

Headers and coded values are Chinese (through the glossary); XLSX dates are date cells, the
sheet has a title row (township, filter, date), widths, a frozen header and a filter; CSV
has the same columns in UTF-8 with a byte-order mark. No cell ever becomes a formula: text
that a spreadsheet would read as one (``=``, ``+``, ``-``, ``@``, tab, CR) is written as
text in XLSX and prefixed with ``'`` in CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fieldapp import glossary
from fieldapp.errors import NotFoundError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What a spreadsheet would start a formula (or DDE payload) with.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_LANGUAGE = "zh"  # the sheet is handed to the county: Chinese whatever the console shows
MAX_WIDTH, WIDTH_SAMPLE = 40, 500
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


class Kind(StrEnum):
    """How a column's values are written."""

    TEXT = "text"
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"
    RATE = "rate"


NUMBER_FORMATS = {Kind.DATE: "yyyy-mm-dd", Kind.DATETIME: "yyyy-mm-dd hh:mm", Kind.RATE: "0.0%"}


@dataclass(frozen=True)
class Column:
    """One column: its glossary code (``column`` group) or its own header, and its kind."""

    key: str
    kind: Kind = Kind.TEXT
    header: str | None = None

    @property
    def title(self) -> str:
        """The header a person reads."""
        return self.header or glossary.label("column", self.key, EXPORT_LANGUAGE)


@dataclass(frozen=True)
class Table:
    """What an export holds: a title line, the columns and the rows (values in column order)."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]


def title_line(township: str, what: str, filters: Sequence[str], on: date) -> str:
    """The title row: township, what the sheet is, the filter and the day it was made."""
    exported_on = glossary.label("export", "exported_on", EXPORT_LANGUAGE)
    parts = [township, what, *(f for f in filters if f), f"{exported_on} {on.isoformat()}"]
    return " · ".join(parts)


def formula_safe(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as plain text."""
    return not text.startswith(FORMULA_STARTS)


def _plain(value: Any) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _csv_cell(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if kind == Kind.RATE and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return text if formula_safe(text) else "'" + text


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: a header row, then the rows (the title is the file's name's job)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.title for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    # The byte-order mark makes Excel read the Chinese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _put(sheet: Worksheet, row: int, col: int, value: Any, kind: Kind) -> None:
    cell = sheet.cell(row=row, column=col)
    if value is None:
        return
    if isinstance(value, datetime | date) or (isinstance(value, int | float) and not isinstance(value, bool)):
        cell.value = value
        if kind in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[kind]
        return
    text = _plain(value)
    cell.value = text
    # Assigning text that starts with "=" makes openpyxl store a formula: say it is a string,
    # and mark it quote-prefixed so Excel keeps it text when the cell is edited.
    cell.data_type = "s"
    if not formula_safe(text):
        cell.quotePrefix = True


def _width(value: Any) -> int:
    text = value.isoformat() if isinstance(value, date) else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def xlsx_bytes(table: Table, sheet_title: str) -> bytes:
    """The table as one sheet: title row, frozen header with a filter, typed cells, widths."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    ncols = max(1, len(table.columns))
    _put(sheet, 1, 1, table.title, Kind.TEXT)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    if ncols > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    for col, column in enumerate(table.columns, start=1):
        _put(sheet, 2, col, column.title, Kind.TEXT)
        header = sheet.cell(row=2, column=col)
        header.font = Font(bold=True)
        header.fill = HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(table.rows, start=3):
        for col, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
            _put(sheet, r, col, value, column.kind)
    for col, column in enumerate(table.columns, start=1):
        sample = [row[col - 1] for row in table.rows[:WIDTH_SAMPLE] if row[col - 1] is not None]
        widest = max([_width(column.title), *(_width(v) for v in sample)])
        if column.kind == Kind.DATETIME:
            widest = max(widest, 16)
        sheet.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, widest + 2)
    last = get_column_letter(ncols)
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{last}{max(2, len(table.rows) + 2)}"
    sheet.print_title_rows = "1:2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(fmt: str, filename: str, table: Table) -> Response:
    """The table as a ``fmt`` (csv or xlsx) attachment named ``filename.fmt``; never cached."""
    if fmt not in FORMATS:
        raise NotFoundError(_("No such export format."))
    body = csv_bytes(table) if fmt == "csv" else xlsx_bytes(table, filename)
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _kind_of(values: Sequence[Any]) -> Kind:
    first = next((v for v in values if v is not None), None)
    if isinstance(first, datetime):
        return Kind.DATETIME
    if isinstance(first, date):
        return Kind.DATE
    if isinstance(first, int) and not isinstance(first, bool):
        return Kind.INT
    return Kind.TEXT


def table_download(fmt: str, filename: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    """A table given as plain headers and rows, through the same export (title: ``filename``).

    For exports whose columns are not glossary codes; kinds follow the values (dates stay dates).
    """
    columns = [
        Column(str(title), _kind_of([row[n] for row in rows]), header=str(title))
        for n, title in enumerate(header)
    ]
    return download(fmt, filename, Table(filename, columns, rows))
