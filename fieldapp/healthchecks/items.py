"""The health check's items (健康体检表), as data: the schema, validation, the field app's
form and the printable record are all driven from this one table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fieldapp.glossary import GLOSSARY

SOURCE = "健康体检表 (国家基本公共卫生服务规范 第三版); DOMAIN.md (v2) Annual health check"


@dataclass(frozen=True)
class Section:
    """A section of the national form."""

    name: str
    zh: str
    en: str


@dataclass(frozen=True)
class Item:
    """One item: its kind (``number``, ``integer``, ``choice``, ``text``), range or choices, and words."""

    name: str
    section: str
    kind: str
    zh: str
    en: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    # The glossary group that names a choice item's codes.
    group: str = ""


SECTIONS = (
    Section("general", "一般状况", "General condition"),
    Section("organs", "脏器功能", "Organ function"),
    Section("lifestyle", "生活方式", "Lifestyle"),
    Section("exams", "辅助检查", "Examinations"),
    Section("assessment", "健康评价", "Assessment"),
)


def _n(name: str, section: str, zh: str, en: str, unit: str, low: float, high: float) -> Item:
    return Item(name, section, "number", zh, en, unit, low, high)


def _i(name: str, section: str, zh: str, en: str, unit: str, low: float, high: float) -> Item:
    return Item(name, section, "integer", zh, en, unit, low, high)


def _c(name: str, section: str, zh: str, en: str, group: str = "normal_abnormal") -> Item:
    return Item(name, section, "choice", zh, en, choices=tuple(GLOSSARY[group]), group=group)


def _t(name: str, section: str, zh: str, en: str) -> Item:
    return Item(name, section, "text", zh, en)


ITEMS: tuple[Item, ...] = (
    _n("temperature_c", "general", "体温", "Temperature", "℃", 34, 43),
    _i("pulse", "general", "脉率", "Pulse", "次/分", 20, 250),
    _i("respiration", "general", "呼吸频率", "Respiration", "次/分", 5, 60),
    _i("sbp_left", "general", "血压 左侧 收缩压", "BP left arm, systolic", "mmHg", 60, 300),
    _i("dbp_left", "general", "血压 左侧 舒张压", "BP left arm, diastolic", "mmHg", 30, 200),
    _i("sbp_right", "general", "血压 右侧 收缩压", "BP right arm, systolic", "mmHg", 60, 300),
    _i("dbp_right", "general", "血压 右侧 舒张压", "BP right arm, diastolic", "mmHg", 30, 200),
    _n("height_cm", "general", "身高", "Height", "cm", 40, 250),
    _n("weight_kg", "general", "体重", "Weight", "kg", 2, 300),
    _n("waist_cm", "general", "腰围", "Waist", "cm", 30, 200),
    _c("mouth", "organs", "口腔", "Mouth"),
    _c("vision_left", "organs", "视力 左眼", "Vision, left eye"),
    _c("vision_right", "organs", "视力 右眼", "Vision, right eye"),
    _c("hearing", "organs", "听力", "Hearing"),
    _c("motor", "organs", "运动功能", "Motor function"),
    _n("cigarettes_per_day", "lifestyle", "日吸烟量", "Cigarettes a day", "支", 0, 100),
    _n("alcohol_liang_per_day", "lifestyle", "日饮酒量", "Alcohol a day", "两", 0, 50),
    _i("exercise_per_week", "lifestyle", "运动 每周次数", "Exercise, times a week", "次/周", 0, 21),
    _i("exercise_minutes", "lifestyle", "运动 每次时间", "Exercise, minutes each", "分钟", 0, 600),
    _c("salt", "lifestyle", "摄盐情况", "Salt intake", "salt"),
    _n("staple_food_g_per_day", "lifestyle", "主食", "Staple food a day", "克", 0, 2000),
    _n("fasting_glucose", "exams", "空腹血糖", "Fasting glucose", "mmol/L", 1.0, 35.0),
    _n("total_cholesterol", "exams", "总胆固醇", "Total cholesterol", "mmol/L", 0.5, 20),
    _n("triglycerides", "exams", "甘油三酯", "Triglycerides", "mmol/L", 0.1, 50),
    _n("ldl", "exams", "低密度脂蛋白胆固醇", "LDL cholesterol", "mmol/L", 0.1, 15),
    _n("hdl", "exams", "高密度脂蛋白胆固醇", "HDL cholesterol", "mmol/L", 0.1, 10),
    _n("serum_creatinine", "exams", "血清肌酐", "Serum creatinine", "μmol/L", 10, 2000),
    _n("alt", "exams", "血清谷丙转氨酶", "ALT", "U/L", 0, 2000),
    _c("urine_protein", "exams", "尿蛋白", "Urine protein", "urine_protein"),
    _c("ecg", "exams", "心电图", "ECG"),
    _t("ecg_note", "exams", "心电图 异常说明", "ECG findings"),
    _c("conclusion", "assessment", "健康评价", "Conclusion"),
    _t("abnormalities", "assessment", "异常情况", "Abnormalities"),
    _t("advice", "assessment", "健康指导", "Advice"),
)

ITEMS_BY_NAME = {item.name: item for item in ITEMS}
# Blood pressure of each arm: the diastolic must be lower than the systolic.
ARMS = (("sbp_left", "dbp_left"), ("sbp_right", "dbp_right"))


def bmi(weight_kg: float | None, height_cm: float | None) -> float | None:
    """Body-mass index, one decimal place, when both weight and height are known."""
    if weight_kg is None or height_cm is None:
        return None
    return round(weight_kg / (height_cm / 100) ** 2, 1)


def form_document() -> dict[str, Any]:
    """The sections and items, for the field app's form."""
    return {
        "sections": [asdict(section) for section in SECTIONS],
        "items": [asdict(item) for item in ITEMS],
        "choices": {
            item.name: {code: term._asdict() for code, term in GLOSSARY[item.group].items()}
            for item in ITEMS
            if item.kind == "choice"
        },
        "source": SOURCE,
    }
