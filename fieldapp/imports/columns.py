"""The import file's columns (API.md "Bringing existing records in"): Chinese headers, in order."""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    """One column of the file: its header and the key the row dictionaries use."""

    header: str
    key: str
    required: bool
    hint: str


COLUMNS: tuple[Column, ...] = (
    Column("档案编号", "record_number", False, "17位居民健康档案编号；空白时由系统编号"),
    Column("姓名", "name", True, "必填"),
    Column("性别", "sex", True, "男 或 女"),
    Column("出生日期", "birth_date", True, "如 1958-04-01"),
    Column("身份证号", "id_number", False, "18位，校验位须正确"),
    Column("联系电话", "phone", False, "手机或固定电话"),
    Column("村编码", "village_code", True, "3位，本乡镇内的村编码"),
    Column("乡镇编码", "township_code", True, "3位乡镇编码"),
    Column("高血压确诊日期", "hypertension_on", False, "空白：无高血压"),
    Column("糖尿病确诊日期", "diabetes_on", False, "空白：无糖尿病"),
    Column("末次随访日期", "followup_on", False, "有末次读数时必填"),
    Column("末次收缩压", "sbp", False, "mmHg"),
    Column("末次舒张压", "dbp", False, "mmHg"),
    Column("末次空腹血糖", "fasting_glucose", False, "mmol/L，糖尿病患者必填"),
)
HEADERS = tuple(column.header for column in COLUMNS)
BY_HEADER = {column.header: column for column in COLUMNS}
BY_KEY = {column.key: column for column in COLUMNS}
# The column the error report adds after the file's own.
ERROR_HEADER = "错误"
