"""The one glossary: complete in both languages, and the urgency words DOMAIN.md fixes."""

from __future__ import annotations

from flask.testing import FlaskClient

from fieldapp import glossary
from fieldapp.auth.models import Role
from tests.builders import api, create_township, create_user


def test_every_code_has_chinese_and_english_words() -> None:
    for group, terms in glossary.GLOSSARY.items():
        for code, words in terms.items():
            assert words.zh.strip() and words.en.strip(), (group, code)
            assert words.zh != code, f"{group}.{code} has no Chinese word"


def test_urgency_words_and_windows_are_domain_md_s() -> None:
    assert glossary.urgency_with_window("emergency") == "急诊（15分钟内接收）"
    assert glossary.urgency_with_window("urgent") == "加急（2小时内接收）"
    assert glossary.urgency_with_window("routine") == "常规（24小时内接收）"
    everything = {words.zh for terms in glossary.GLOSSARY.values() for words in terms.values()}
    assert not any("紧急" in words for words in everything)


def test_blank_and_unknown_values_never_show_none() -> None:
    assert glossary.label("sex", None) == "—"
    assert glossary.labels("classification", []) == "—"
    assert glossary.label("sex", "F", "en") == "Female"


def test_glossary_endpoint_answers_in_the_callers_language(client: FlaskClient) -> None:
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=create_township())
    body = api(client, "GET", "/api/v1/glossary", doctor).get_json()
    assert body["language"] == "zh"
    assert body["groups"]["urgency"]["emergency"] == "急诊"
    english = api(client, "GET", "/api/v1/glossary?lang=en", doctor).get_json()
    assert english["groups"]["urgency"]["emergency"] == "Emergency"
