"""What the console calls roles, statuses and conditions, in the reader's language."""

from __future__ import annotations

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from fieldapp import glossary
from fieldapp.auth.models import Role

ROLE_NAMES: dict[str, LazyString] = {
    Role.VILLAGE_DOCTOR: _l("Village doctor"),
    Role.TOWNSHIP_DOCTOR: _l("Township doctor"),
    Role.TOWNSHIP_MANAGER: _l("Township manager"),
    Role.REFERRAL_DESK: _l("Referral desk"),
    Role.COUNTY_ADMIN: _l("County admin"),
}

WORDS: dict[str, LazyString] = {
    # sex
    "M": _l("Male"),
    "F": _l("Female"),
    # conditions
    "hypertension": _l("Hypertension"),
    "diabetes": _l("Diabetes"),
    # queue states
    "due": _l("Due"),
    "overdue": _l("Overdue"),
    "lost": _l("Lost to follow-up"),
    "all": _l("All"),
    # follow-up classification and modes
    "controlled": _l("Controlled"),
    "uncontrolled": _l("Uncontrolled"),
    "adverse_reaction": _l("Adverse reaction"),
    "complication": _l("Complication"),
    "clinic": _l("Clinic"),
    "home": _l("Home"),
    "phone": _l("Phone"),
    # referral urgency and status
    "emergency": _l("Emergency"),
    "urgent": _l("Urgent"),
    "routine": _l("Routine"),
    "pending": _l("Pending"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    # message status and kinds
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "undelivered": _l("Undelivered"),
    "failed": _l("Failed"),
    "suppressed": _l("Suppressed"),
    "reminder": _l("Reminder"),
    "referral": _l("Referral"),
    "escalation": _l("Escalation"),
    "patrol": _l("Patrol"),
    "reply": _l("Reply"),
    "contract_renewal": _l("Contract renewal"),
    # audit actions
    "read": _l("Read"),
    "create": _l("Created"),
    "update": _l("Changed"),
    # enrollment status
    "active": _l("Active"),
    "closed": _l("Closed"),
}


def role_name(role: str) -> str:
    """A role as people call it."""
    return str(ROLE_NAMES.get(role, role))


def word(value: str | None) -> str:
    """A status, kind or condition code as people call it; unknown codes as they are."""
    if value is None:
        return "—"
    return str(WORDS.get(value, value))


def term(group: str, code: str | None) -> str:
    """A code of a glossary group in the reader's language."""
    return glossary.label(group, code, str(get_locale() or glossary.DEFAULT_LANGUAGE))
