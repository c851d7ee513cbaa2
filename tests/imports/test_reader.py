"""The streaming reader: XLSX and CSV in each encoding, headers checked, blank lines skipped."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from fieldapp.imports.reader import FileProblemError, open_table
from tests.imports.files import csv_file, xlsx_file

ROW = {
    "姓名": "王秀英",
    "性别": "女",
    "出生日期": "1950-03-02",
    "村编码": "001",
    "乡镇编码": "002",
    "联系电话": "13800138000",
}


def _read(content: bytes) -> list[tuple[int, dict[str, object]]]:
    table = open_table(io.BytesIO(content))
    return [(row.number, row.values) for row in table.rows]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_reads_the_chinese_as_written(encoding: str) -> None:
    rows = _read(csv_file([ROW], encoding=encoding))
    assert rows == [(2, {**{k: None for k in rows[0][1]}, **_keyed(ROW)})]


def _keyed(row: dict[str, str]) -> dict[str, str]:
    from fieldapp.imports.columns import BY_HEADER

    return {BY_HEADER[header].key: value for header, value in row.items()}


def test_gb18030_is_really_not_utf8() -> None:
    content = csv_file([ROW], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    assert _read(content)[0][1]["name"] == "王秀英"


def test_xlsx_keeps_typed_cells_and_numbers_rows_as_the_sheet_does() -> None:
    content = xlsx_file([{**ROW, "出生日期": datetime(1950, 3, 2)}, {}, {**ROW, "姓名": "李四"}])
    rows = _read(content)
    assert [number for number, _ in rows] == [2, 4]  # the blank line 3 is no row
    assert rows[0][1]["birth_date"] == datetime(1950, 3, 2)
    assert rows[1][1]["name"] == "李四"


def test_a_file_without_the_required_columns_is_refused_in_chinese() -> None:
    with pytest.raises(FileProblemError, match="村编码"):
        open_table(io.BytesIO(csv_file([ROW], headers=["姓名", "性别", "出生日期"])))


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(FileProblemError, match="空"):
        open_table(io.BytesIO(b""))


def test_extra_columns_are_ignored_and_order_does_not_matter() -> None:
    headers = ["备注", "乡镇编码", "村编码", "出生日期", "性别", "姓名"]
    rows = _read(csv_file([{**ROW, "备注": "x"}], headers=headers))
    assert rows[0][1] == _keyed({k: ROW[k] for k in headers if k in ROW})


def test_the_expected_rows_are_known_for_progress_even_when_the_sheet_does_not_say() -> None:
    rows = [ROW] * 1500
    assert open_table(io.BytesIO(xlsx_file(rows))).expected_rows == 1500  # a write-only sheet: no dimension
    assert open_table(io.BytesIO(csv_file(rows, encoding="gb18030"))).expected_rows == 1500


def _openpyxl_rows(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def test_the_xlsx_reader_gives_what_openpyxl_gives_for_every_kind_of_cell() -> None:
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from fieldapp.imports.xlsx import Sheet

    book = Workbook()  # a full workbook: shared strings, styles, dates as styled numbers
    sheet = book.active
    sheet.append(["档案编号", "姓名", "出生日期", "数", "布尔", "公式"])
    sheet.append(["65", "王 & 李 <秀>", datetime(1950, 3, 2), 1.5, True, "=1+1"])
    sheet.append([None, "  空格  ", None, 13800138000, False, None])
    sheet["AB3"] = "远列"
    sheet["B4"] = CellRichText(["王", TextBlock(InlineFont(b=True), "秀英")])
    sheet["C5"] = 1e-5
    sheet["A7"] = ""
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()

    def trimmed(rows: list[list[object]]) -> list[list[object]]:
        out = []
        for row in rows:
            row = list(row)
            while row and row[-1] is None:
                row.pop()
            out.append(row)
        while out and not out[-1]:
            out.pop()
        return out

    ours = Sheet(io.BytesIO(content))
    read = list(ours.rows())
    ours.close()
    expected = trimmed(_openpyxl_rows(content))
    by_number = dict(read)
    assert trimmed([by_number.get(n, []) for n in range(1, len(expected) + 1)]) == expected
    assert by_number[4][1] == "王秀英" and by_number[2][2] == datetime(1950, 3, 2)


def test_a_sheet_whose_root_element_is_long_as_excel_writes_it_is_read_on_the_fast_path() -> None:
    import zipfile

    from fieldapp.imports import xlsx

    content = xlsx_file([ROW, {**ROW, "姓名": "李四"}])
    extra = "".join(f' xmlns:x{n}="http://example.com/{n}"' for n in range(40))  # about 1,200 bytes
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as rewritten:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<worksheet ", f"<worksheet{extra} ".encode(), 1)
            rewritten.writestr(item, data)
    sheet = xlsx.Sheet(io.BytesIO(target.getvalue()))
    with sheet.archive.open(sheet.path) as stream:
        assert xlsx._Part(stream).in_default_namespace(b"worksheet")
    assert [row[1] for _number, row in sheet.rows()][1:] == ["王秀英", "李四"]
    sheet.close()
