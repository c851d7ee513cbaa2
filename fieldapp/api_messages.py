"""The API's own error messages (an envelope's ``message``, a sync refusal's ``_schema``) in the
caller's language: Chinese unless English was chosen. A doctor reads them on the phone.

The services speak English internally; the door translates. Field messages (validation of one
field) are translated by their own patterns where the answer's ``fields`` are built.
"""

from __future__ import annotations

import re

from flask import has_request_context
from flask_babel import get_locale

# English message (a full-match pattern) → Chinese, the pattern's groups as {0}, {1}.
MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english), chinese)
    for english, chinese in (
        (r"Some fields are not valid\.", "有些项目填写有误。"),
        (r"Some query parameters are not valid\.", "查询条件有误。"),
        (r"No such resident\.", "没有这位居民（或不在您的辖区）。请先上传该居民的档案。"),
        (r"No such enrollment\.", "没有这份管理档案。"),
        (r"No such referral\.", "没有这份转诊单。"),
        (r"No such reply\.", "没有这条回复。"),
        (r"No such township\.", "没有这个乡镇。"),
        (r"No such user\.", "没有这个用户。"),
        (r"A record with this id exists with a different body\.", "同一记录已以不同内容保存过。"),
        (r"This record conflicts with one that exists\.", "与已有记录冲突。"),
        (r"A resident with this identity number exists already\.", "已有居民使用此身份证号。"),
        (r"The resident has an active (\w+) enrollment already\.", "该居民已在管理中（{0}）。"),
        (r"The enrollment is closed already\.", "该管理档案已结案。"),
        (r"Cannot (\w+) a referral that is (\w+)\.", "转诊单当前状态不允许此操作。"),
        (r"Your role may not .*", "您的角色无权进行此操作。"),
        (r"Your role has no follow-up queue\.", "您的角色没有随访队列。"),
        (r"Only village and township staff refer residents\.", "只有村医和乡镇医生可以转诊。"),
        (r"Only township staff plan patrols\.", "只有乡镇人员可以安排巡诊。"),
        (r"Sign in first.*", "请先登录。"),
        (r"The token has expired; sign in again\.", "登录已过期，请重新登录。"),
        (r"The cursor is not valid\.", "同步位置无效。"),
        (r"The body is not valid JSON\.", "请求内容不是有效的 JSON。"),
        (r"The body must be .*", "请求内容格式有误。"),
        (r"A sync batch holds at most (\d+) records\.", "一次同步最多{0}条记录。"),
        (r"not a record", "不是一条记录"),
        (r"must be one of (.+)", "须为以下之一：{0}"),
    )
)


def caller_is_english() -> bool:
    """Whether the caller chose English (Chinese by default, and outside a request)."""
    return has_request_context() and str(get_locale() or "zh").startswith("en")


def say(message: str) -> str:
    """``message`` in the caller's language; a message no pattern knows is left as it is."""
    if caller_is_english():
        return message
    for pattern, chinese in MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return chinese.format(*match.groups())
    return message
