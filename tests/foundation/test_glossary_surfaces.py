"""One set of words everywhere: the field app, the console, SMS and push name each coded value
as the glossary does. Fails when any surface names a value its own way."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask_babel import force_locale

from fieldapp import glossary
from fieldapp.console.labels import GLOSSARY_GROUPS, role_name, word
from fieldapp.field.strings import JS_STRINGS
from fieldapp.messaging import texts

# Any key of the field app's own strings that would name a coded value (the glossary's job).
CODED_KEY = re.compile(r"^(condition|class|classification|mode|adherence|purpose|urgency|sex|status|reason)_")
LANGUAGES = ("zh", "en")


def _everything() -> dict[str, str]:
    return {key: str(text) for key, text in JS_STRINGS.items()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_field_app_keeps_no_words_of_its_own_for_coded_values(app: Flask, language: str) -> None:
    with app.test_request_context(), force_locale(language):
        strings = _everything()
    assert [key for key in strings if CODED_KEY.match(key)] == []
    # Nor a glossary word of one urgency standing for another (紧急 for 加急 was the defect).
    levels = {glossary.label("urgency", code, language) for code in glossary.GLOSSARY["urgency"]}
    for key, text in strings.items():
        assert text not in levels, f"{key} names an urgency outside the glossary"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_console_names_every_value_as_the_glossary_does(app: Flask, language: str) -> None:
    with app.test_request_context(), force_locale(language):
        claimed: set[str] = set()
        for group in GLOSSARY_GROUPS:
            for code in glossary.GLOSSARY[group]:
                if code not in claimed:
                    assert word(code) == glossary.label(group, code, language), (group, code)
                claimed.add(code)
        for code in glossary.GLOSSARY["role"]:
            assert role_name(code) == glossary.label("role", code, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("urgency", ["emergency", "urgent", "routine"])
def test_sms_and_push_name_each_urgency_as_the_glossary_does(app: Flask, language: str, urgency: str) -> None:
    expected = glossary.label("urgency", urgency, language)
    others = {glossary.label("urgency", code, language) for code in glossary.GLOSSARY["urgency"]} - {expected}
    with app.test_request_context():
        bodies = [
            texts.referral_created_text("R-000001", urgency, "青山镇", "县人民医院", language),
            texts.referral_escalated_text("R-000001", urgency, "青山镇", "县人民医院", 1, language),
        ]
        push = texts.referral_push(
            "created",
            number="R-000001",
            urgency=urgency,
            township_name="青山镇",
            facility_name="县人民医院",
            url="/console/referrals/1",
            lang=language,
        )
        bodies.append(push["body"])
    # English texts write the word in lower case inside a sentence.
    for body in (text.lower() for text in bodies):
        assert expected.lower() in body, body
        assert not any(other.lower() in body for other in others if other not in expected), body
        assert "紧急" not in body
