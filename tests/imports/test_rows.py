"""Checking one row: every column read, every problem named with its row, column and a Chinese message."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import pytest

from fieldapp.imports.columns import BY_HEADER
from fieldapp.imports.rows import RowChecker, VillageRef
from fieldapp.residents.identity import check_digit

VILLAGE = VillageRef(uuid.uuid4(), "123456002001")
TODAY = date(2026, 12, 1)


def id_number(serial: int = 1, birth: str = "19500302") -> str:
    first17 = f"110101{birth}{serial:03d}"
    return first17 + check_digit(first17)


def _phone(raw: str) -> str | None:
    digits = raw.replace(" ", "").replace("-", "")
    if not (digits.isdigit() and len(digits) == 11 and digits.startswith("1")):
        raise ValueError(raw)
    return "+86" + digits


def checker() -> RowChecker:
    return RowChecker({("002", "001"): VILLAGE}, {"002"}, _phone, TODAY)


def good(**changes: Any) -> dict[str, Any]:
    row = {
        "档案编号": "12345600200100007",
        "姓名": "王秀英",
        "性别": "女",
        "出生日期": "1950-03-02",
        "身份证号": id_number(),
        "联系电话": "138 0013 8000",
        "村编码": "1",
        "乡镇编码": "002",
        "高血压确诊日期": "2015/06/01",
        "糖尿病确诊日期": datetime(2018, 1, 5),
        "末次随访日期": "2026年11月20日",
        "末次收缩压": 152,
        "末次舒张压": "92",
        "末次空腹血糖": 7.4,
    }
    row.update(changes)
    return {BY_HEADER[header].key: value for header, value in row.items()}


def test_a_good_row_is_read_into_typed_values() -> None:
    row, errors = checker().check(2, good())
    assert errors == []
    assert row is not None
    assert (row.record_number, row.name, row.sex, row.birth_date) == (
        "12345600200100007",
        "王秀英",
        "F",
        date(1950, 3, 2),
    )
    assert row.phone == "+8613800138000"
    assert row.village == VILLAGE
    assert row.diagnosed == {"hypertension": date(2015, 6, 1), "diabetes": date(2018, 1, 5)}
    assert (row.followup_on, row.sbp, row.dbp, row.fasting_glucose) == (date(2026, 11, 20), 152, 92, 7.4)


def test_the_same_values_give_the_same_digest_and_a_change_another() -> None:
    first, _ = checker().check(2, good())
    again, _ = checker().check(9, good(出生日期=datetime(1950, 3, 2)))
    changed, _ = checker().check(2, good(末次收缩压=150))
    assert first and again and changed
    assert first.digest == again.digest != changed.digest


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"姓名": None}, "姓名", "必填"),
        ({"性别": "M"}, "性别", "应为“男”或“女”"),
        ({"出生日期": "1950-02-30"}, "出生日期", "不是有效的日期"),
        ({"出生日期": "2027-01-01"}, "出生日期", "不能晚于今天"),
        ({"身份证号": id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")}, "身份证号", "校验位"),
        ({"联系电话": "12345"}, "联系电话", "不是有效的电话号码"),
        ({"村编码": "009"}, "村编码", "未知的村编码"),
        ({"村编码": "A1"}, "村编码", "应为3位数字"),
        ({"乡镇编码": "003"}, "乡镇编码", "未知的乡镇编码"),
        ({"档案编号": "1234560020010000"}, "档案编号", "应为17位数字"),
        ({"档案编号": "12345600200200007"}, "档案编号", "与乡镇编码、村编码不一致"),
        ({"高血压确诊日期": "昨天"}, "高血压确诊日期", "不是有效的日期"),
        ({"高血压确诊日期": "1940-01-01"}, "高血压确诊日期", "不能早于出生日期"),
        ({"末次随访日期": None}, "末次随访日期", "填写了末次读数时必填"),
        ({"末次随访日期": "2014-01-01"}, "末次随访日期", "早于高血压确诊日期"),
        ({"末次收缩压": None}, "末次收缩压", "填写末次随访日期时必填"),
        ({"末次收缩压": 400}, "末次收缩压", "应在 60 到 300"),
        ({"末次收缩压": "高"}, "末次收缩压", "不是数字"),
        ({"末次舒张压": 160}, "末次舒张压", "应低于末次收缩压"),
        ({"末次空腹血糖": None}, "末次空腹血糖", "糖尿病患者的末次随访必填"),
        (
            {"高血压确诊日期": None, "糖尿病确诊日期": None},
            "末次随访日期",
            "没有高血压或糖尿病确诊日期",
        ),
    ],
)
def test_each_problem_is_named_with_row_column_and_a_chinese_message(
    changes: dict[str, Any], column: str, message: str
) -> None:
    row, errors = checker().check(7, good(**changes))
    assert row is None
    assert any(e.row == 7 and e.column == column and message in e.message for e in errors), errors


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    _row, errors = checker().check(3, good(姓名="", 性别="x", 联系电话="1", 末次收缩压=10))
    assert {e.column for e in errors} == {"姓名", "性别", "联系电话", "末次收缩压"}


def test_duplicates_within_the_file_name_the_first_row() -> None:
    rows = checker()
    assert rows.check(2, good())[1] == []
    _row, errors = rows.check(5, good())
    assert {(e.column, e.message) for e in errors} == {
        ("身份证号", "与第2行的身份证号重复"),
        ("档案编号", "与第2行的档案编号重复"),
    }


def test_optional_columns_may_be_blank() -> None:
    blank = dict.fromkeys(["档案编号", "身份证号", "联系电话", "糖尿病确诊日期", "末次空腹血糖"])
    row, errors = checker().check(2, good(**blank))
    assert errors == [] and row is not None
    assert (row.record_number, row.id_number, row.phone, row.fasting_glucose) == (None, None, None, None)
    assert row.diagnosed == {"hypertension": date(2015, 6, 1)}


def test_the_rows_by_key_map_remembers_the_first_row_of_each_key_however_many() -> None:
    import random

    from fieldapp.imports.keys import RowsByKey, id_number_key, record_number_key

    keys = random.Random(7).sample(range(10**18), 50_000)
    seen = RowsByKey()
    assert [seen.setdefault(key, row) for row, key in enumerate(keys, start=2)] == list(range(2, 50_002))
    assert [seen.setdefault(key, 1) for key in keys[:100]] == list(range(2, 102))
    assert len(seen) == 50_000 and seen.setdefault(0, 9) == 9 and seen.setdefault(0, 10) == 9
    assert id_number_key("11010519491231002X") != id_number_key("110105194912310029")
    assert record_number_key("65432100100100001") == 65432100100100001
