"""The first sheet of an XLSX as rows of values, streamed: a lean reader for large registers.

openpyxl (read-only) reads the package, the workbook, the styles and the sheet's size; the
shared strings and the sheet's rows are parsed here with ElementTree's C parser and no
per-cell objects. openpyxl's own per-cell work was most of an import's reading time (a
100,000-row register: about two thirds of the whole run's CPU). Values are what openpyxl's
``iter_rows(values_only=True)`` gives (numbers, text, booleans, datetimes for date-styled
cells), each row with its number in the sheet.
"""

from __future__ import annotations

import html
import re
from array import array
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import fromstring, iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS

NS = f"{{{SHEET_MAIN_NS}}}"
ROW, CELL, VALUE = NS + "row", NS + "c", NS + "v"
INLINE, TEXT, RUN, STRING_ITEM = NS + "is", NS + "t", NS + "r", NS + "si"
CHUNK = 1 << 20
HEAD = 1 << 16  # enough for any root element, with all its namespaces
# The shapes Excel and openpyxl write, read without building elements: a shared string of
# plain text, a row, and a cell with at most a value (anything else goes through ElementTree).
SHARED_ITEM = re.compile(rb"<si>(.*?)</si>|<si/>", re.DOTALL)
PLAIN_TEXT = re.compile(rb'<t(?: xml:space="preserve")?>([^<]*)</t>|<t/>')
ROW_ELEMENT = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.DOTALL)
ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
SIMPLE_CELL = (
    rb'<c r="([A-Z]+)\d+"(?: s="(\d+)")?(?: t="(\w+)")?(?: s="(\d+)")?\s*(?:/>|>(?:<v>([^<&]*)</v>)?</c>)'
)
SIMPLE_CELLS = re.compile(SIMPLE_CELL)
SIMPLE_ROW = re.compile(rb"(?:" + SIMPLE_CELL + rb")*")


class SharedStrings:
    """The workbook's shared strings, kept compact: one UTF-8 blob and the offsets into it.

    A register brings several distinct strings per row (names, identity numbers, phones): as
    Python strings they would take several times the memory of the file.
    """

    def __init__(self) -> None:
        self.blob = bytearray()
        self.ends = array("Q")

    def append(self, text: bytes) -> None:
        """Add the next string, in UTF-8."""
        self.blob += text
        self.ends.append(len(self.blob))

    def __getitem__(self, index: int) -> str:
        start = self.ends[index - 1] if index else 0
        return self.blob[start : self.ends[index]].decode()

    def __len__(self) -> int:
        return len(self.ends)


def _text_of(item: Any) -> str:
    """The plain text of a shared or inline string (rich-text runs joined, phonetic hints left out)."""
    plain = item.find(TEXT)
    parts = [plain.text or ""] if plain is not None else []
    parts += [run.findtext(TEXT) or "" for run in item.iterfind(RUN)]
    return "".join(parts).replace("x005F_", "")  # as openpyxl reads them


def _elements(source: _Part, pattern: re.Pattern[bytes], end: bytes) -> Iterator[re.Match[bytes]]:
    """The complete matches of ``pattern`` in a streamed part, a chunk at a time, until ``end``."""
    pending = b""
    while chunk := source.read(CHUNK):
        pending += chunk
        cut = 0
        for match in pattern.finditer(pending):
            yield match
            cut = match.end()
        if end in pending[cut:]:
            return
        pending = pending[cut:]


class _Part:
    """A part of the package read as a stream, its first bytes looked at before it is parsed."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.head = source.read(HEAD)

    def read(self, size: int = -1) -> bytes:
        """The next bytes (the head first)."""
        if self.head:
            data, self.head = self.head, b""
            return data
        return self.source.read(size)

    def in_default_namespace(self, root: bytes) -> bool:
        """Whether the root element is unprefixed in the spreadsheet namespace (the fast path reads it)."""
        found = re.search(rb"<" + root + rb"\b[^>]*>", self.head)
        return found is not None and b'xmlns="' + SHEET_MAIN_NS.encode() + b'"' in found.group(0)


def read_shared_strings(stream: IO[bytes]) -> SharedStrings:
    """Every shared string, in order: plain ones straight from the XML, rich ones through ElementTree."""
    strings = SharedStrings()
    source = _Part(stream)
    if not source.in_default_namespace(b"sst"):
        for _event, element in iterparse(source):
            if element.tag == STRING_ITEM:
                strings.append(_text_of(element).encode())
                element.clear()
        return strings
    for match in _elements(source, SHARED_ITEM, b"</sst>"):
        plain = PLAIN_TEXT.fullmatch(match.group(1) or b"<t/>")
        text = plain.group(1) or b"" if plain is not None else None
        if text is not None and b"x005F_" not in text:
            strings.append(_unescape(text) if b"&" in text else text)
        else:
            strings.append(_text_of(_element(match.group(0))).encode())
    return strings


def _unescape(text: bytes) -> bytes:
    return html.unescape(text.decode()).encode()


def _element(xml: bytes) -> Any:
    """One element cut from a part of the default namespace, parsed on its own."""
    name_end = re.match(rb"<\w+", xml)
    assert name_end is not None
    at = name_end.end()
    return fromstring(xml[:at] + b' xmlns="' + SHEET_MAIN_NS.encode() + b'"' + xml[at:])


class _Reader(ExcelReader):  # type: ignore[misc]
    """openpyxl's package reader with the shared strings read compactly (see ``read_shared_strings``)."""

    def read_strings(self) -> None:
        from openpyxl.xml.constants import SHARED_STRINGS

        part = self.package.find(SHARED_STRINGS)
        self.shared_strings = SharedStrings()
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = read_shared_strings(source)


class Sheet:
    """The first worksheet of a workbook: its size (from its dimension, if any) and its rows."""

    def __init__(self, source: IO[bytes]) -> None:
        reader = _Reader(source, read_only=True, data_only=True, keep_links=False)
        reader.read()
        self.archive = reader.archive
        workbook = reader.wb
        sheet = workbook.worksheets[0]
        self.path: str = sheet._worksheet_path
        self.max_row: int | None = sheet.max_row
        self.strings: SharedStrings = reader.shared_strings
        self.epoch = workbook.epoch
        self.dates: set[int] = set(workbook._date_formats)
        self.durations: set[int] = set(workbook._timedelta_formats)

    def close(self) -> None:
        """Close the package."""
        self.archive.close()

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Each row that has an element in the sheet: its number and its values from column A."""
        with self.archive.open(self.path) as stream:
            xml = _Part(stream)
            if xml.in_default_namespace(b"worksheet"):
                yield from self._rows_fast(xml)
                return
            number = 0
            for _event, element in iterparse(xml):
                if element.tag != ROW:
                    continue
                given = element.get("r")
                number = int(given) if given else number + 1
                yield number, self._values(element)
                element.clear()

    def _rows_fast(self, xml: _Part) -> Iterator[tuple[int, list[Any]]]:
        """The rows of a sheet in the shapes Excel writes, cell by cell without elements; others row by row."""
        number = 0
        for match in _elements(xml, ROW_ELEMENT, b"</sheetData>"):
            given = ROW_NUMBER.search(match.group(1))
            number = int(given.group(1)) if given else number + 1
            body = match.group(2)
            if not body:
                yield number, []
            elif SIMPLE_ROW.fullmatch(body):
                yield number, self._simple_values(SIMPLE_CELLS.findall(body))
            else:
                yield number, self._values(_element(match.group(0)))

    def _simple_values(self, cells: list[tuple[bytes, bytes, bytes, bytes, bytes]]) -> list[Any]:
        values: list[Any] = []
        strings, dates = self.strings, self.dates
        for letters, style_before, kind, style_after, text in cells:
            if not text:
                continue
            column = COLUMNS.get(letters) or _column_of(letters.decode())
            if kind == b"s":
                value: Any = strings[int(text)]
            elif not kind or kind == b"n":
                style = int(style_before or style_after or 0)
                if style in dates:
                    value = self._value_of("n", text.decode(), style)
                else:
                    value = float(text) if (b"." in text or b"E" in text or b"e" in text) else int(text)
            else:
                value = self._value_of(kind.decode(), text.decode(), 0)
            if len(values) < column:
                values.extend([None] * (column - len(values)))
            values[column - 1] = value
        return values

    def _values(self, row: Any) -> list[Any]:
        values: list[Any] = []
        column = 0
        for cell in row.iterfind(CELL):
            reference = cell.get("r")
            column = _column_of(reference) if reference else column + 1
            value = self._value(cell)
            if value is None:
                continue
            if len(values) < column:
                values.extend([None] * (column - len(values)))
            values[column - 1] = value
        return values

    def _value(self, cell: Any) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            item = cell.find(INLINE)
            return _text_of(item) if item is not None else None
        text = cell.findtext(VALUE) or None
        if text is None:
            return None
        return self._value_of(kind, text, int(cell.get("s", 0)))

    def _value_of(self, kind: str, text: str, style: int) -> Any:
        """A cell's value from its type, its ``<v>`` text and its style, as openpyxl gives it."""
        if kind == "s":
            return self.strings[int(text)]
        if kind == "n":
            number: int | float = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
            if style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text) and "e" (an error such as #N/A)


COLUMNS = {chr(64 + n).encode(): n for n in range(1, 27)}


def _column_of(reference: str) -> int:
    """The column number of a cell reference such as ``AB12``."""
    column = 0
    for letter in reference:
        if letter.isdigit():
            break
        column = column * 26 + ord(letter) - 64
    return column
