"""One row of the import file checked and read into typed values: every problem named, in Chinese.

Pure functions and one small state (the file's 身份证号 and 档案编号 seen so far, for duplicates);
the villages and the phone check are handed in, so this module needs no database.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fieldapp.followups.items import BY_NAME as FORM_ITEMS
from fieldapp.imports.columns import BY_KEY
from fieldapp.imports.keys import RowsByKey, id_number_key, record_number_key
from fieldapp.residents.identity import normalize_id_number

RECORD_NUMBER = re.compile(r"^\d{17}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DIVISION_CODE = re.compile(r"^\d{1,3}$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
EARLIEST_BIRTH = date(1880, 1, 1)
SEXES = {"男": "M", "女": "F"}
CONDITION_WORDS = {"hypertension": "高血压", "diabetes": "糖尿病"}


@dataclass(frozen=True)
class VillageRef:
    """A village as the file names it: its id and the first 12 digits of its record numbers."""

    id: uuid.UUID
    record_prefix: str


@dataclass(frozen=True)
class RowError:
    """One problem of one row: row number, column header and a Chinese message."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """As API.md's ``errors`` items."""
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ImportRow:
    """A row that passed every check, in typed values."""

    number: int
    record_number: str | None
    name: str
    sex: str
    birth_date: date
    id_number: str | None
    phone: str | None
    village: VillageRef
    diagnosed: dict[str, date]  # condition → diagnosis date
    followup_on: date | None
    sbp: int | None
    dbp: int | None
    fasting_glucose: float | None
    digest: str


class _Cells:
    """Reads typed values from a row's cells, collecting each problem against its column."""

    def __init__(self, number: int, values: dict[str, Any]) -> None:
        self.number = number
        self.values = values
        self.errors: list[RowError] = []

    def fail(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, BY_KEY[key].header, message))

    def failed(self, key: str) -> bool:
        header = BY_KEY[key].header
        return any(error.column == header for error in self.errors)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.values.get(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a number typed into a spreadsheet cell (phone, code)
        if isinstance(value, datetime):
            value = value.date()
        text = str(value).strip() if value is not None else ""
        if not text:
            if required:
                self.fail(key, "必填")
            return None
        return text

    def day(self, key: str, *, required: bool = False) -> date | None:
        value = self.values.get(key)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = self.text(key, required=required)
        if text is None:
            return None
        if ISO_DATE.match(text):  # the common case, without strptime
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        for layout in DATE_FORMATS:
            try:
                return datetime.strptime(text.split(" ")[0], layout).date()
            except ValueError:
                continue
        self.fail(key, f"“{text}”不是有效的日期（如 1958-04-01）")
        return None

    def reading(self, key: str, *, integer: bool) -> float | None:
        value = self.values.get(key)
        if isinstance(value, bool):
            value = None
        if not isinstance(value, int | float):
            text = self.text(key)
            if text is None:
                return None
            try:
                value = float(text)
            except ValueError:
                self.fail(key, f"“{text}”不是数字")
                return None
        if integer and not float(value).is_integer():
            self.fail(key, "应为整数")
            return None
        allowed = FORM_ITEMS[key]  # the follow-up form's own range of the reading
        assert allowed.low is not None and allowed.high is not None
        if not allowed.low <= value <= allowed.high:
            self.fail(key, f"应在 {allowed.low:g} 到 {allowed.high:g} {allowed.unit} 之间")
            return None
        return value


@dataclass
class RowChecker:
    """Checks the rows of one file in order; remembers identity and record numbers for duplicates."""

    villages: dict[tuple[str, str], VillageRef]
    townships: set[str]
    normalize_phone: Callable[[str], str | None]
    today: date
    id_numbers: RowsByKey = field(default_factory=RowsByKey)
    record_numbers: RowsByKey = field(default_factory=RowsByKey)

    def check(self, number: int, values: dict[str, Any]) -> tuple[ImportRow | None, list[RowError]]:
        """The row in typed values, or None and every problem it has."""
        cells = _Cells(number, values)
        name = cells.text("name", required=True)
        if name is not None and len(name) > 120:
            cells.fail("name", "不能超过120个字")
        sex_word = cells.text("sex", required=True)
        sex = SEXES.get(sex_word or "")
        if sex_word is not None and sex is None:
            cells.fail("sex", f"“{sex_word}”应为“男”或“女”")
        birth_date = self._birth_date(cells)
        id_number = self._id_number(cells)
        phone = self._phone(cells)
        village = self._village(cells)
        record_number = self._record_number(cells, village)
        diagnosed = self._diagnoses(cells, birth_date)
        followup_on, sbp, dbp, glucose = self._last_followup(cells, birth_date, diagnosed)
        if cells.errors or name is None or sex is None or birth_date is None or village is None:
            return None, cells.errors
        digest = _digest(
            record_number,
            name,
            sex,
            birth_date,
            id_number,
            phone,
            village,
            diagnosed,
            followup_on,
            sbp,
            dbp,
            glucose,
        )
        row = ImportRow(
            number=number,
            record_number=record_number,
            name=name,
            sex=sex,
            birth_date=birth_date,
            id_number=id_number,
            phone=phone,
            village=village,
            diagnosed=diagnosed,
            followup_on=followup_on,
            sbp=sbp,
            dbp=dbp,
            fasting_glucose=glucose,
            digest=digest,
        )
        return row, []

    def _birth_date(self, cells: _Cells) -> date | None:
        birth_date = cells.day("birth_date", required=True)
        if birth_date is None:
            return None
        if birth_date > self.today:
            cells.fail("birth_date", "不能晚于今天")
            return None
        if birth_date < EARLIEST_BIRTH:
            cells.fail("birth_date", "不能早于1880-01-01")
            return None
        return birth_date

    def _id_number(self, cells: _Cells) -> str | None:
        raw = cells.text("id_number")
        if raw is None:
            return None
        id_number = normalize_id_number(raw)
        if id_number is None:
            cells.fail("id_number", f"“{raw}”不是有效的18位身份证号（格式或校验位不正确）")
            return None
        first = self.id_numbers.setdefault(id_number_key(id_number), cells.number)
        if first != cells.number:
            cells.fail("id_number", f"与第{first}行的身份证号重复")
        return id_number

    def _phone(self, cells: _Cells) -> str | None:
        raw = cells.text("phone")
        if raw is None:
            return None
        try:
            return self.normalize_phone(raw)
        except ValueError:
            cells.fail("phone", f"“{raw}”不是有效的电话号码")
            return None

    def _village(self, cells: _Cells) -> VillageRef | None:
        codes = []
        for key in ("township_code", "village_code"):
            raw = cells.text(key, required=True)
            if raw is not None and not DIVISION_CODE.match(raw):
                cells.fail(key, f"“{raw}”应为3位数字")
                raw = None
            codes.append(raw.zfill(3) if raw else None)
        township, village = codes
        if township is None or village is None:
            return None
        if township not in self.townships:
            cells.fail("township_code", f"未知的乡镇编码：{township}")
            return None
        found = self.villages.get((township, village))
        if found is None:
            cells.fail("village_code", f"未知的村编码：乡镇 {township} 下没有村 {village}")
        return found

    def _record_number(self, cells: _Cells, village: VillageRef | None) -> str | None:
        raw = cells.text("record_number")
        if raw is None:
            return None
        if not RECORD_NUMBER.match(raw):
            cells.fail("record_number", f"“{raw}”应为17位数字")
            return None
        if village is not None and not raw.startswith(village.record_prefix):
            cells.fail(
                "record_number",
                f"档案编号与乡镇编码、村编码不一致（该村的档案编号以 {village.record_prefix} 开头）",
            )
        first = self.record_numbers.setdefault(record_number_key(raw), cells.number)
        if first != cells.number:
            cells.fail("record_number", f"与第{first}行的档案编号重复")
        return raw

    def _diagnoses(self, cells: _Cells, birth_date: date | None) -> dict[str, date]:
        diagnosed = {}
        for condition in CONDITION_WORDS:
            key = f"{condition}_on"
            on = cells.day(key)
            if on is None:
                continue
            if on > self.today:
                cells.fail(key, "不能晚于今天")
            elif birth_date is not None and on < birth_date:
                cells.fail(key, "不能早于出生日期")
            else:
                diagnosed[condition] = on
        return diagnosed

    def _last_followup(
        self, cells: _Cells, birth_date: date | None, diagnosed: dict[str, date]
    ) -> tuple[date | None, int | None, int | None, float | None]:
        on = cells.day("followup_on")
        sbp = cells.reading("sbp", integer=True)
        dbp = cells.reading("dbp", integer=True)
        glucose = cells.reading("fasting_glucose", integer=False)
        if sbp is not None and dbp is not None and dbp >= sbp:
            cells.fail("dbp", "应低于末次收缩压")
        readings = [
            key for key in ("sbp", "dbp", "fasting_glucose") if cells.values.get(key) not in (None, "")
        ]
        if on is None:
            if readings and not cells.failed("followup_on"):
                cells.fail("followup_on", "填写了末次读数时必填")
            return None, None, None, None
        if on > self.today:
            cells.fail("followup_on", "不能晚于今天")
        elif birth_date is not None and on < birth_date:
            cells.fail("followup_on", "不能早于出生日期")
        has_diagnosis = any(cells.values.get(f"{c}_on") not in (None, "") for c in CONDITION_WORDS)
        if not has_diagnosis:
            cells.fail("followup_on", "没有高血压或糖尿病确诊日期，不能记录随访")
        for condition, diagnosed_on in diagnosed.items():
            if on < diagnosed_on:
                cells.fail("followup_on", f"早于{CONDITION_WORDS[condition]}确诊日期")
        for key in ("sbp", "dbp"):
            if cells.values.get(key) in (None, "") and not cells.failed(key):
                cells.fail(key, "填写末次随访日期时必填")
        if "diabetes" in diagnosed and cells.values.get("fasting_glucose") in (None, ""):
            cells.fail("fasting_glucose", "糖尿病患者的末次随访必填")
        return (
            on,
            int(sbp) if sbp is not None else None,
            int(dbp) if dbp is not None else None,
            glucose,
        )


def _digest(
    record_number: str | None,
    name: str,
    sex: str,
    birth_date: date,
    id_number: str | None,
    phone: str | None,
    village: VillageRef,
    diagnosed: dict[str, date],
    followup_on: date | None,
    sbp: int | None,
    dbp: int | None,
    glucose: float | None,
) -> str:
    """The fingerprint of a row's values: the same values again are ``unchanged``."""
    parts = [
        record_number,
        name,
        sex,
        birth_date,
        id_number,
        phone,
        village.id,
        *(diagnosed.get(condition) for condition in CONDITION_WORDS),
        followup_on,
        sbp,
        dbp,
        glucose,
    ]
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()
