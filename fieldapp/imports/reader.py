"""A streaming reader of the import file: XLSX (see ``xlsx``) or CSV (UTF-8, UTF-8 with BOM, GB18030).

Rows come one at a time, so a file of 100,000 rows is read in constant memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from fieldapp.imports.columns import BY_HEADER, COLUMNS
from fieldapp.imports.xlsx import Sheet

XLSX_MAGIC = b"PK\x03\x04"
CHUNK = 1 << 20
DAMAGED = "无法读取该 XLSX 文件（文件已损坏或不是 Excel 工作簿）"


class FileProblemError(Exception):
    """The file cannot be read as an import (not a table, missing columns); the message is Chinese."""


@dataclass(frozen=True)
class RawRow:
    """One data row: its row number in the file (the header is row 1) and its cells by column key."""

    number: int
    values: dict[str, Any]


@dataclass
class Table:
    """The rows of an import file, and how many there are about to be (for progress)."""

    rows: Iterator[RawRow]
    expected_rows: int | None


def _column_keys(header: tuple[Any, ...] | list[Any]) -> list[str | None]:
    """Each header cell's column key (None for columns the import does not read)."""
    keys: list[str | None] = []
    for cell in header:
        name = str(cell).strip().lstrip("\ufeff").rstrip("*") if cell is not None else ""
        column = BY_HEADER.get(name)
        keys.append(column.key if column else None)
    missing = [c.header for c in COLUMNS if c.required and c.key not in keys]
    if missing:
        raise FileProblemError("文件缺少必需的列：" + "、".join(missing) + "（请使用导入模板）")
    return keys


def _rows(lines: Iterator[tuple[int, tuple[Any, ...] | list[Any]]]) -> Iterator[RawRow]:
    """The data rows after the header (with their numbers), which is read and checked before this returns."""
    first = next(lines, None)
    if first is None:
        raise FileProblemError("文件是空的")
    keys = _column_keys(first[1])
    read = [(index, key) for index, key in enumerate(keys) if key is not None]

    def data() -> Iterator[RawRow]:
        for number, row in lines:
            width = len(row)
            values = {key: row[index] if index < width else None for index, key in read}
            blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values())
            if not blank:  # a blank line in the sheet is no row
                yield RawRow(number, values)

    return data()


def _xlsx(source: IO[bytes]) -> Table:
    try:
        sheet = Sheet(source)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileProblemError(DAMAGED) from error
    expected = (sheet.max_row - 1) if sheet.max_row else _count_xlsx_rows(sheet)
    try:
        data = _rows(sheet.rows())
    except ParseError as error:
        sheet.close()
        raise FileProblemError(DAMAGED) from error
    except BaseException:
        sheet.close()
        raise

    def rows() -> Iterator[RawRow]:
        try:
            yield from data
        except ParseError as error:
            raise FileProblemError(DAMAGED) from error
        finally:
            sheet.close()

    return Table(rows(), expected)


def _count_xlsx_rows(sheet: Sheet) -> int | None:
    """The data rows of a sheet whose file does not say its size: its ``<row`` tags, counted unparsed."""
    try:
        with sheet.archive.open(sheet.path) as xml:
            rows, tail = 0, b""
            while chunk := xml.read(CHUNK):
                # A tag cut by the chunk's end is found with the tail; the tail alone holds none.
                rows += (tail + chunk).count(b"<row ")
                tail = chunk[-4:]
    except (AttributeError, KeyError, OSError):
        return None
    return max(rows - 1, 0)


def detect_encoding(source: IO[bytes]) -> tuple[str, int]:
    """``utf-8-sig`` when the whole file is UTF-8 (with or without BOM), else ``gb18030``; and its line count."""
    source.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, lines = True, 0
    while chunk := source.read(CHUNK):
        lines += chunk.count(b"\n")
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    source.seek(0)
    return ("utf-8-sig" if utf8 else "gb18030"), lines


def _csv(source: IO[bytes]) -> Table:
    encoding, lines = detect_encoding(source)
    text = io.TextIOWrapper(source, encoding=encoding, newline="", errors="replace")
    sample = text.read(4096)
    text.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text, dialect)
    cells = (
        (number, [cell if cell.strip() else None for cell in row]) for number, row in enumerate(reader, 1)
    )
    return Table(_rows(cells), max(lines - 1, 0))


def open_table(source: IO[bytes]) -> Table:
    """The rows of an XLSX or CSV file (told apart by content, not by name)."""
    source.seek(0)
    magic = source.read(4)
    source.seek(0)
    if magic == XLSX_MAGIC:
        return _xlsx(source)
    return _csv(source)
