"""Field error messages in the caller's language (Chinese unless English was chosen).

Validation speaks English internally (marshmallow's own messages and ours, some with
values in them); an answer's ``fields`` are put into the caller's language at the door,
by the patterns below. A message no pattern knows is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

from flask import has_request_context
from flask_babel import get_locale

# (English message, as a full-match pattern) → Chinese, with the pattern's groups as {0}, {1}.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english), chinese)
    for english, chinese in (
        (r"not a cursor", "不是本服务给出的同步位置"),
        (r"must be between (\S+) and (\S+)", "须在{0}至{1}之间"),
        (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.", "须在{0}至{1}之间"),
        (r"Must be one of: (.+)\.", "须为以下之一：{0}"),
        (r"Length must be between (\d+) and (\d+)\.", "长度须在{0}至{1}之间"),
        (r"Longer than maximum length (\d+)\.", "不能超过{0}个字"),
        (r"Shorter than minimum length (\d+)\.", "不能少于{0}个字"),
        (r"unknown code: (.+)", "未知代码：{0}"),
        (r"must not be later than (\S+) \(the rules' date\)", "不能晚于{0}（按规范应随访的日期）"),
        (r"must not be more than (\d+) minutes in the future", "不能晚于当前时间{0}分钟以上"),
        (r"the resident has no active (\S+) enrollment", "该居民没有正在管理的{0}档案"),
        (r"Missing data for required field\.", "必填"),
        (r"Field may not be null\.", "不能为空"),
        (r"Unknown field\.", "未知字段"),
        (r"Not a valid integer\.", "须为整数"),
        (r"Not a valid number\.", "须为数字"),
        (r"Not a valid string\.", "须为文字"),
        (r"Not a valid boolean\.", "须为是或否"),
        (r"Not a valid date\.", "不是有效的日期"),
        (r"Not a valid datetime\.", "不是有效的时间"),
        (r"Not a valid UUID\.", "不是有效的编号"),
        (r"Not a valid list\.", "须为列表"),
        (r"Invalid input type\.", "输入类型错误"),
        (r"Invalid value\.", "无效的值"),
        (r"must be lower than sbp", "须低于收缩压"),
        (r"required face to face", "面对面随访必填"),
        (r"required for diabetes", "糖尿病随访必填"),
        (r"'none' cannot go with another symptom", "“无症状”不能与其他症状同时选择"),
        (r"must not be before the follow-up's date", "不能早于随访日期"),
        (r"must not be before the resident's birth", "不能早于居民出生日期"),
        (r"must not be in the future", "不能晚于今天"),
        (r"must be after 1880-01-01", "须晚于1880-01-01"),
        (r"not a valid 18-character identity number \(check digit\)", "不是有效的18位身份证号（校验位不符）"),
        (r"not a valid phone number", "不是有效的电话号码"),
        (r"no such village in your area", "您的辖区内没有该村"),
        (r"must be 17 digits", "须为17位数字"),
        (r"must be 3 digits, 001 to 999", "须为3位数字（001至999）"),
        (r"only when the reason is died", "仅死亡结案时填写"),
        (r"must not be after closed_on", "不能晚于结案日期"),
        (r"must not be before enrolled_on", "不能早于纳入管理日期"),
        (r"must lie between the resident's birth and today", "须在居民出生日期与今天之间"),
    )
)


def in_chinese(message: str) -> str:
    """One message in Chinese, or as it is when no pattern knows it."""
    for pattern, chinese in PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return chinese.format(*match.groups())
    return message


def caller_language() -> str:
    """``zh`` or ``en``: the caller's choice, Chinese by default."""
    if not has_request_context():
        return "zh"
    return "en" if str(get_locale() or "zh").startswith("en") else "zh"


def localized(fields: Any) -> Any:
    """An answer's ``fields`` (``{name: [messages]}``, perhaps nested) in the caller's language."""
    if not fields or caller_language() == "en":
        return fields
    return _translate(fields)


def _translate(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _translate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_translate(item) for item in value]
    return in_chinese(value) if isinstance(value, str) else value
