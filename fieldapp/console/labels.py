"""What the console calls roles, statuses and conditions: the glossary's words, in the reader's language."""

from __future__ import annotations

from flask_babel import get_locale

from fieldapp import glossary

# The glossary's groups the console's bare codes come from, first match first (a code
# such as "overdue" names a queue state before a message kind).
GLOSSARY_GROUPS = (
    "sex",
    "condition",
    "queue_state",
    "classification",
    "mode",
    "urgency",
    "referral_status",
    "enrollment_status",
    "message_status",
    "message_kind",
    "audit_action",
)


def _language() -> str:
    return "en" if str(get_locale()) == "en" else "zh"


def role_name(role: str) -> str:
    """A role as the glossary names it."""
    return glossary.label("role", role, _language())


def word(value: str | None) -> str:
    """A status, kind or condition code as the glossary names it; unknown codes as they are."""
    if value is None:
        return glossary.BLANK
    for group in GLOSSARY_GROUPS:
        if glossary.term(group, value) is not None:
            return glossary.label(group, value, _language())
    return value


def term(group: str, code: str | None) -> str:
    """A code of one glossary group, in the reader's language (for codes ``word`` cannot tell apart)."""
    return glossary.label(group, code, _language())
