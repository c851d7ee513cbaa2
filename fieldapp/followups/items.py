"""The follow-up record's items, as data: the national forms (高血压/2型糖尿病患者随访服务记录表) field by field.

One table drives the API schema and its validation, completeness, ``GET /api/v1/rules``
(the field app builds its form from it), the console's record and the printable form.
Each item says its API name, its kind, the section of the paper form it sits in, the
conditions whose form carries it, its range or choices, and whether and when it counts
towards completeness (DOMAIN.md "Completeness"). Importable without Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fieldapp.followups.rules import Condition
from fieldapp.glossary import GLOSSARY

HTN, DM = Condition.HYPERTENSION, Condition.DIABETES
BOTH = (HTN, DM)


class Kind(StrEnum):
    """How an item's value is written."""

    INTEGER = "integer"
    NUMBER = "number"
    TEXT = "text"
    CHOICE = "choice"  # one code of ``choices``
    CODES = "codes"  # a list of codes of ``choices`` (per condition)
    BOOLEAN = "boolean"
    DATE = "date"
    PAIR = "pair"  # {"now", "target"}, each a number in range or a choice
    FEET = "feet"  # {"left", "right"}, each a choice
    MEDICATIONS = "medications"  # [{"name", "times_per_day", "dose"}]
    INSULIN = "insulin"  # {"kind", "usage"}
    REFERRAL = "referral"  # {"reason", "facility", "department"}


class Section(StrEnum):
    """The parts of the paper form, in its order."""

    SYMPTOMS = "symptoms"
    SIGNS = "signs"
    LIFESTYLE = "lifestyle"
    TESTS = "tests"
    MEDICATION = "medication"
    CLASSIFICATION = "classification"
    REFERRAL = "referral"
    NEXT_VISIT = "next_visit"


class Counts(StrEnum):
    """When a missing item counts against the record's completeness."""

    NEVER = "never"
    ALWAYS = "always"
    FACE_TO_FACE = "face_to_face"  # measured follow-ups only
    WHEN_REFERRAL_RECOMMENDED = "when_referral_recommended"  # a referral or the reason it was declined


@dataclass(frozen=True)
class Item:
    """One item of the follow-up form."""

    name: str
    kind: Kind
    section: Section
    zh: str
    en: str
    conditions: tuple[Condition, ...] = BOTH
    low: float | None = None
    high: float | None = None
    unit: str = ""
    # Codes of a CHOICE, CODES, PAIR-of-choices or FEET item; CODES items list them per condition.
    choices: tuple[str, ...] = ()
    choices_by_condition: Mapping[Condition, tuple[str, ...]] | None = None
    # The glossary group that names the codes.
    group: str | None = None
    counts: Counts = Counts.NEVER
    # The conditions whose records count it (default: where the form carries it).
    counted_for: tuple[Condition, ...] | None = None
    # Required on a face-to-face follow-up of these conditions (422 without it).
    required_measured_for: tuple[Condition, ...] = ()
    max_length: int = 0
    # Whole numbers only (an INTEGER item, or a pair counted in sticks, times, minutes, grams).
    whole: bool = False
    # Stored in a column of its own (the rules or reports read it) rather than the record JSON.
    column: bool = False

    def counted(self, condition: Condition) -> bool:
        """Whether a record of ``condition`` is incomplete without this item."""
        return self.counts != Counts.NEVER and condition in (self.counted_for or self.conditions)

    def as_json(self) -> dict[str, Any]:
        """The item for ``GET /api/v1/rules``."""
        body: dict[str, Any] = {
            "name": self.name,
            "kind": str(self.kind),
            "section": str(self.section),
            "label": {"zh": self.zh, "en": self.en},
            "conditions": [str(c) for c in self.conditions],
            "counts": str(self.counts),
            "counted_for": [str(c) for c in (self.counted_for or self.conditions)]
            if self.counts != Counts.NEVER
            else [],
            "required_measured_for": [str(c) for c in self.required_measured_for],
        }
        if self.low is not None:
            body["range"] = {"low": self.low, "high": self.high, "unit": self.unit}
        if self.choices:
            body["choices"] = list(self.choices)
        if self.choices_by_condition:
            body["choices_by_condition"] = {str(c): list(v) for c, v in self.choices_by_condition.items()}
        if self.group:
            body["group"] = self.group
        if self.max_length:
            body["max_length"] = self.max_length
        if self.whole or self.kind == Kind.INTEGER:
            body["whole"] = True
        return body


SYMPTOMS: dict[Condition, tuple[str, ...]] = {
    HTN: (
        "none",
        "headache_dizziness",
        "nausea_vomiting",
        "tinnitus_blurred_vision",
        "dyspnea",
        "palpitation_chest_tightness",
        "epistaxis",
        "limb_numbness",
        "lower_limb_edema",
    ),
    DM: (
        "none",
        "polydipsia",
        "polyphagia",
        "polyuria",
        "blurred_vision",
        "infection",
        "hand_foot_numbness",
        "lower_limb_edema",
        "weight_loss",
    ),
}
NO_SYMPTOMS = "none"
RATING = ("good", "fair", "poor")
PULSE = ("normal", "weakened", "absent")
SALT = ("light", "moderate", "heavy")
HYPOGLYCAEMIA = ("none", "occasional", "frequent")
ADHERENCE = ("regular", "intermittent", "none")
TEXT_MAX = 500

ITEMS: tuple[Item, ...] = (
    # 症状
    Item(
        "symptoms",
        Kind.CODES,
        Section.SYMPTOMS,
        "症状",
        "Symptoms",
        choices_by_condition=SYMPTOMS,
        group="symptom",
        counts=Counts.ALWAYS,
    ),
    Item("other_symptoms", Kind.TEXT, Section.SYMPTOMS, "其他症状", "Other symptoms", max_length=TEXT_MAX),
    # 体征
    Item(
        "sbp",
        Kind.INTEGER,
        Section.SIGNS,
        "收缩压",
        "Systolic BP",
        low=60,
        high=300,
        unit="mmHg",
        counts=Counts.FACE_TO_FACE,
        required_measured_for=BOTH,
        column=True,
    ),
    Item(
        "dbp",
        Kind.INTEGER,
        Section.SIGNS,
        "舒张压",
        "Diastolic BP",
        low=30,
        high=200,
        unit="mmHg",
        counts=Counts.FACE_TO_FACE,
        required_measured_for=BOTH,
        column=True,
    ),
    Item(
        "weight_kg",
        Kind.NUMBER,
        Section.SIGNS,
        "体重",
        "Weight",
        low=2,
        high=300,
        unit="kg",
        counts=Counts.ALWAYS,
        column=True,
    ),
    Item(
        "target_weight_kg",
        Kind.NUMBER,
        Section.SIGNS,
        "目标体重",
        "Target weight",
        low=2,
        high=300,
        unit="kg",
    ),
    Item("height_cm", Kind.NUMBER, Section.SIGNS, "身高", "Height", low=40, high=250, unit="cm", column=True),
    Item(
        "target_bmi", Kind.NUMBER, Section.SIGNS, "目标体质指数", "Target BMI", low=10, high=60, unit="kg/m²"
    ),
    Item(
        "heart_rate",
        Kind.INTEGER,
        Section.SIGNS,
        "心率",
        "Heart rate",
        low=20,
        high=250,
        unit="/min",
        counts=Counts.ALWAYS,
        counted_for=(HTN,),
        column=True,
    ),
    Item(
        "dorsalis_pedis",
        Kind.FEET,
        Section.SIGNS,
        "足背动脉搏动",
        "Dorsalis pedis pulse",
        conditions=(DM,),
        choices=PULSE,
        group="pulse",
        counts=Counts.ALWAYS,
    ),
    Item("other_signs", Kind.TEXT, Section.SIGNS, "其他体征", "Other signs", max_length=TEXT_MAX),
    # 生活方式指导
    Item(
        "lifestyle.cigarettes_per_day",
        Kind.PAIR,
        Section.LIFESTYLE,
        "日吸烟量",
        "Cigarettes a day",
        low=0,
        high=100,
        unit="支",
        whole=True,
        counts=Counts.ALWAYS,
    ),
    Item(
        "lifestyle.alcohol_liang_per_day",
        Kind.PAIR,
        Section.LIFESTYLE,
        "日饮酒量",
        "Alcohol a day",
        low=0,
        high=50,
        unit="两",
        counts=Counts.ALWAYS,
    ),
    Item(
        "lifestyle.exercise_per_week",
        Kind.PAIR,
        Section.LIFESTYLE,
        "运动次数",
        "Exercise a week",
        low=0,
        high=21,
        unit="次/周",
        whole=True,
        counts=Counts.ALWAYS,
    ),
    Item(
        "lifestyle.exercise_minutes",
        Kind.PAIR,
        Section.LIFESTYLE,
        "每次运动时间",
        "Minutes each time",
        low=0,
        high=600,
        unit="分钟/次",
        whole=True,
        counts=Counts.ALWAYS,
    ),
    Item(
        "lifestyle.salt",
        Kind.PAIR,
        Section.LIFESTYLE,
        "摄盐情况",
        "Salt intake",
        conditions=(HTN,),
        choices=SALT,
        group="salt",
        counts=Counts.ALWAYS,
    ),
    Item(
        "lifestyle.staple_food_g_per_day",
        Kind.PAIR,
        Section.LIFESTYLE,
        "主食",
        "Staple food a day",
        conditions=(DM,),
        low=0,
        high=2000,
        unit="克/天",
        whole=True,
        counts=Counts.ALWAYS,
    ),
    Item(
        "psychological",
        Kind.CHOICE,
        Section.LIFESTYLE,
        "心理调整",
        "Psychological adjustment",
        choices=RATING,
        group="rating",
        counts=Counts.ALWAYS,
    ),
    Item(
        "compliance",
        Kind.CHOICE,
        Section.LIFESTYLE,
        "遵医行为",
        "Compliance",
        choices=RATING,
        group="rating",
        counts=Counts.ALWAYS,
    ),
    # 辅助检查
    Item(
        "fasting_glucose",
        Kind.NUMBER,
        Section.TESTS,
        "空腹血糖",
        "Fasting glucose",
        low=1.0,
        high=35.0,
        unit="mmol/L",
        counts=Counts.FACE_TO_FACE,
        counted_for=(DM,),
        required_measured_for=(DM,),
        column=True,
    ),
    Item(
        "hba1c",
        Kind.NUMBER,
        Section.TESTS,
        "糖化血红蛋白",
        "HbA1c",
        conditions=(DM,),
        low=3.0,
        high=20.0,
        unit="%",
    ),
    Item("hba1c_on", Kind.DATE, Section.TESTS, "检查日期", "HbA1c date", conditions=(DM,)),
    Item("auxiliary_exam", Kind.TEXT, Section.TESTS, "辅助检查", "Other tests", max_length=TEXT_MAX),
    # 用药
    Item(
        "medication_adherence",
        Kind.CHOICE,
        Section.MEDICATION,
        "服药依从性",
        "Medication adherence",
        choices=ADHERENCE,
        group="medication_adherence",
        counts=Counts.ALWAYS,
        column=True,
    ),
    Item(
        "adverse_reaction",
        Kind.BOOLEAN,
        Section.MEDICATION,
        "药物不良反应",
        "Adverse drug reaction",
        column=True,
    ),
    Item(
        "adverse_reaction_note",
        Kind.TEXT,
        Section.MEDICATION,
        "不良反应描述",
        "Adverse reaction note",
        max_length=TEXT_MAX,
    ),
    Item(
        "hypoglycaemia",
        Kind.CHOICE,
        Section.MEDICATION,
        "低血糖反应",
        "Hypoglycaemia",
        conditions=(DM,),
        choices=HYPOGLYCAEMIA,
        group="hypoglycaemia",
    ),
    Item(
        "medications",
        Kind.MEDICATIONS,
        Section.MEDICATION,
        "用药情况",
        "Medications",
        counts=Counts.ALWAYS,
    ),
    Item("insulin", Kind.INSULIN, Section.MEDICATION, "胰岛素", "Insulin", conditions=(DM,)),
    # 此次随访分类
    Item(
        "danger_signs",
        Kind.CODES,
        Section.CLASSIFICATION,
        "危急情况",
        "Danger signs",
        group="danger_sign",
        column=True,
    ),
    Item(
        "new_complication",
        Kind.BOOLEAN,
        Section.CLASSIFICATION,
        "新发并发症",
        "New complication",
        column=True,
    ),
    Item(
        "worsened_complication",
        Kind.BOOLEAN,
        Section.CLASSIFICATION,
        "原并发症加重",
        "Worsened complication",
        column=True,
    ),
    # 转诊
    Item(
        "referral",
        Kind.REFERRAL,
        Section.REFERRAL,
        "转诊",
        "Referral",
        counts=Counts.WHEN_REFERRAL_RECOMMENDED,
    ),
    Item(
        "referral_declined_reason",
        Kind.TEXT,
        Section.REFERRAL,
        "未转诊原因",
        "Why not referred",
        max_length=TEXT_MAX,
    ),
    # 下次随访
    Item("next_due_on", Kind.DATE, Section.NEXT_VISIT, "下次随访日期", "Next follow-up", column=True),
    Item("notes", Kind.TEXT, Section.NEXT_VISIT, "备注", "Notes", max_length=4000, column=True),
)

BY_NAME: dict[str, Item] = {item.name: item for item in ITEMS}
LIFESTYLE_PREFIX = "lifestyle."
LIFESTYLE_ITEMS = tuple(item for item in ITEMS if item.name.startswith(LIFESTYLE_PREFIX))
# Kept in the follow-up's ``record`` JSON column: every item no rule or report reads.
RECORD_ITEMS = (
    *(
        item.name
        for item in ITEMS
        if not item.column and item.kind != Kind.MEDICATIONS and not item.name.startswith(LIFESTYLE_PREFIX)
    ),
    "lifestyle",
)

# Dates among them, kept in JSON as ISO strings.
RECORD_DATES = frozenset(name for name in RECORD_ITEMS if name in BY_NAME and BY_NAME[name].kind == Kind.DATE)


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != {}


def _value(values: Mapping[str, Any], name: str) -> Any:
    if name.startswith(LIFESTYLE_PREFIX):
        return (values.get("lifestyle") or {}).get(name[len(LIFESTYLE_PREFIX) :])
    return values.get(name)


def _filled(item: Item, value: Any) -> bool:
    if item.kind == Kind.PAIR:
        return isinstance(value, Mapping) and _present(value.get("now")) and _present(value.get("target"))
    if item.kind == Kind.FEET:
        return isinstance(value, Mapping) and _present(value.get("left")) and _present(value.get("right"))
    if item.kind == Kind.CODES:
        return bool(value)
    if item.kind == Kind.MEDICATIONS:
        return value is not None  # an empty list says "none"
    return _present(value)


# The items each condition's records count, in the form's order (a push checks a thousand records).
COUNTED: dict[Condition, tuple[Item, ...]] = {
    condition: tuple(item for item in ITEMS if item.counted(condition)) for condition in Condition
}


def missing_items(
    condition: Condition, values: Mapping[str, Any], *, measured: bool, referral_recommended: bool
) -> list[str]:
    """The names of the items a record of ``condition`` lacks, in the form's order (DOMAIN.md)."""
    missing = []
    for item in COUNTED[condition]:
        if item.counts == Counts.FACE_TO_FACE and not measured:
            continue
        if item.counts == Counts.WHEN_REFERRAL_RECOMMENDED:
            if referral_recommended and not (
                _filled(item, values.get("referral")) or _present(values.get("referral_declined_reason"))
            ):
                missing.append(item.name)
            continue
        if not _filled(item, _value(values, item.name)):
            missing.append(item.name)
    return missing


SECTION_LABELS: dict[Section, tuple[str, str]] = {
    Section.SYMPTOMS: ("症状", "Symptoms"),
    Section.SIGNS: ("体征", "Signs"),
    Section.LIFESTYLE: ("生活方式指导", "Lifestyle"),
    Section.TESTS: ("辅助检查", "Tests"),
    Section.MEDICATION: ("用药情况", "Medication"),
    Section.CLASSIFICATION: ("此次随访分类", "This visit's classification"),
    Section.REFERRAL: ("转诊", "Referral"),
    Section.NEXT_VISIT: ("下次随访", "Next visit"),
}


def form_document() -> dict[str, Any]:
    """The form for ``GET /api/v1/rules``: sections and items in order, ranges, and the codes' words.

    The words come from the glossary, so the field app can show the form offline.
    """
    groups = {item.group for item in ITEMS if item.group}
    form = {
        "sections": [
            {"name": str(section), "label": {"zh": zh, "en": en}}
            for section, (zh, en) in SECTION_LABELS.items()
        ],
        "words": {
            group: {code: {"zh": words.zh, "en": words.en} for code, words in GLOSSARY[group].items()}
            for group in sorted(groups)
        },
        "items": [item.as_json() for item in ITEMS],
    }
    return {
        "form": form,
        "ranges": {
            item.name: {"low": item.low, "high": item.high, "unit": item.unit}
            for item in ITEMS
            if item.low is not None and item.kind != Kind.PAIR
        },
    }
