"""Rows of an import file for the test county."""

from __future__ import annotations

from datetime import date
from typing import Any

from fieldapp.residents.identity import check_digit
from tests.imports.builders import County


def id_number(serial: int, birth: date = date(1950, 3, 2)) -> str:
    """A valid 18-character identity number."""
    first17 = f"{110101 + serial // 1000}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def register_row(county: County, serial: int, **changes: Any) -> dict[str, Any]:
    """A resident of village 001 of township 002 with hypertension, diabetes and a last follow-up."""
    row = {
        # Serials from 10001: the residents tests create directly are numbered from 00001.
        "档案编号": f"{county.prefix()}{10000 + serial:05d}",
        "姓名": f"居民{serial}",
        "性别": "女" if serial % 2 else "男",
        "出生日期": "1950-03-02",
        "身份证号": id_number(serial),
        "联系电话": f"138{serial:08d}",
        "村编码": "001",
        "乡镇编码": "002",
        "高血压确诊日期": "2015-06-01",
        "糖尿病确诊日期": "2018-01-05",
        "末次随访日期": "2026-11-20",
        "末次收缩压": 132,
        "末次舒张压": 82,
        "末次空腹血糖": 6.1,
    }
    row.update(changes)
    return row
