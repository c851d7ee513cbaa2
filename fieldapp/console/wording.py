"""What the services and the schemas say, as a console reader reads it.

Services and marshmallow speak English (the API's ``message`` and ``fields``); the console
shows each sentence through the catalogs, and a sentence the catalogs do not know is shown
by its kind (a field problem, a conflict...) in the reader's language, never as English on
a Chinese page. Field names are shown as the glossary's words, never as ``village_ids``.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldapp import glossary

# The sentences services send to console forms, so the catalogs carry them (each is looked
# up by its exact text at run time).
SERVICE_SENTENCES = (
    _l("Some fields are not valid."),
    _l("A township with this code or name exists already."),
    _l("A village with this code or name exists already."),
    _l("A facility with this code or name exists already."),
    _l("A user with this code or name exists already."),
    _l("A township manager may only assign villages to its doctors."),
    _l("Your role may not change users."),
    _l("This patrol is cancelled."),
    _l("This patrol has started: it can no longer be changed."),
    _l("No such township."),
    _l("No such user."),
    _l("No such patrol."),
    _l("No such referral."),
    # field problems
    _l("not a valid phone number"),
    _l("no such township"),
    _l("no such facility"),
    _l("unknown village"),
    _l("villages must belong to the user's township"),
    _l("required for this role"),
    _l("required"),
    _l("no such village in your area"),
    _l("only a stationing has a last day"),
    _l("required for a stationing"),
    _l("must not be before date"),
    _l("must not be in the past"),
    _l("must not be before the referral"),
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Unknown field."),
    _l("Not a valid date."),
    _l("Not a valid datetime."),
    _l("Not a valid UUID."),
    _l("Not a valid integer."),
    _l("Not a valid boolean."),
    _l("Not a valid string."),
    _l("Not a valid list."),
    _l("Invalid input type."),
    _l("String does not match expected pattern."),
)

# Sentences with numbers in them: (pattern, words with the same named numbers).
PATTERNS: tuple[tuple[re.Pattern[str], LazyString], ...] = (
    (
        re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
        _l("%(min)s to %(max)s characters or items."),
    ),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), _l("At least %(min)s characters.")),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), _l("At most %(max)s characters.")),
    (re.compile(r"^Must be one of: .*\.$"), _l("Not one of the choices.")),
    (re.compile(r"^not a member of this township's staff: .*$"), _l("not a member of this township's staff")),
    (
        re.compile(r"^a stationing lasts at most (?P<days>\d+) days$"),
        _l("a stationing lasts at most %(days)s days"),
    ),
)

# What a reader sees when the catalogs do not know the sentence, by the error's code.
BY_CODE = {
    "validation_error": _l("Some fields are not valid."),
    "conflict": _l("This conflicts with a record that exists already."),
    "duplicate_resident": _l("This conflicts with a record that exists already."),
    "invalid_transition": _l("This can no longer be done: the record has changed since."),
    "forbidden": _l("You may not do this."),
    "not_found": _l("Not found."),
}
FIELD_PROBLEM = _l("not valid")


def _english(language: str) -> bool:
    return language == "en"


def say(text: str, code: str, language: str) -> str:
    """A service's sentence in the reader's language (by its kind when the catalogs lack it)."""
    translated = _(text)
    if translated != text or _english(language):
        return translated
    return str(BY_CODE.get(code, _l("Something went wrong; try again.")))


def say_field_problem(text: str, language: str) -> str:
    """A field's problem in the reader's language."""
    translated = _(text)
    if translated != text or _english(language):
        return translated
    for pattern, words in PATTERNS:
        found = pattern.match(text)
        if found:
            return str(words) % found.groupdict() if found.groupdict() else str(words)
    return str(FIELD_PROBLEM)


def field_name(name: str, language: str) -> str:
    """A form field as the reader calls it (``team.0`` is the team)."""
    base = name.split(".")[0]
    return glossary.label("field", base, language) if glossary.term("field", base) else base


def field_lines(fields: dict[str, Any], language: str) -> list[str]:
    """Each field's problems as one line: ``村: 不是你所在地区的村``."""
    colon, joiner = (": ", "; ") if _english(language) else ("：", "；")
    return [
        f"{field_name(name, language)}{colon}{joiner.join(say_field_problem(str(p), language) for p in problems)}"
        for name, problems in fields.items()
    ]
