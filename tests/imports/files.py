"""Import files built in memory: XLSX and CSV with the template's headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook

from fieldapp.imports.columns import HEADERS


def xlsx_file(rows: Iterable[Mapping[str, Any]], headers: Iterable[str] = HEADERS) -> bytes:
    """An XLSX whose first sheet has ``headers`` and one line per row (cells by header)."""
    headers = list(headers)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(
    rows: Iterable[Mapping[str, Any]], encoding: str = "utf-8", headers: Iterable[str] = HEADERS
) -> bytes:
    """A CSV in ``encoding`` (``utf-8-sig`` for one with a BOM)."""
    headers = list(headers)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return buffer.getvalue().encode(encoding)


def xlsx_rows(content: bytes) -> list[list[Any]]:
    """Every row of an XLSX's first sheet, as values."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows
