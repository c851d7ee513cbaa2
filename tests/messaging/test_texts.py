"""Texts in Chinese and English: signed, with the opt-out hint, nothing private."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from fieldapp.messaging import texts
from fieldapp.messaging.decisions import sms_segments
from tests.messaging.fixtures import local

CENTRE = "青山镇卫生院"


def test_reminder_in_chinese_is_signed_short_and_ends_with_td(app: Flask) -> None:
    body = texts.reminder_text(date(2026, 11, 25), CENTRE, "zh")
    assert body.startswith("【青山镇卫生院】")
    assert "11月25日" in body
    assert body.endswith("回复TD退订")
    assert sms_segments(body) == 1


def test_reminder_in_english_keeps_the_td_hint(app: Flask) -> None:
    body = texts.reminder_text(date(2026, 11, 25), "Qingshan Health Centre", "en")
    assert body.startswith("[Qingshan Health Centre]")
    assert "11/25" in body
    assert body.endswith("Reply TD to opt out")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_resident_texts_all_end_with_the_hint_and_name_no_condition(app: Flask, lang: str) -> None:
    bodies = [
        texts.reminder_text(date(2026, 11, 25), CENTRE, lang),
        texts.overdue_text(CENTRE, lang),
        texts.patrol_text(date(2026, 11, 23), "东村", CENTRE, lang),
        texts.referral_accepted_resident_text("县人民医院", local(2026, 11, 24, 9, 30), CENTRE, lang),
        texts.referral_accepted_resident_text("县人民医院", None, CENTRE, lang),
        texts.opted_in_text(CENTRE, lang),
        texts.confirmed_text(CENTRE, lang),
    ]
    for body in bodies:
        assert body.endswith("回复TD退订" if lang == "zh" else "Reply TD to opt out"), body
        assert CENTRE in body
        for private in ("高血压", "糖尿病", "hypertension", "diabetes", "mmHg", "mmol"):
            assert private not in body


def test_appointment_time_is_local(app: Flask) -> None:
    body = texts.referral_accepted_resident_text("县人民医院", local(2026, 11, 24, 9, 30), CENTRE, "zh")
    assert "11月24日 09:30" in body


def test_unknown_language_falls_back_to_chinese(app: Flask) -> None:
    assert texts.overdue_text(CENTRE, "fr") == texts.overdue_text(CENTRE, "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_staff_texts_name_the_referral_not_the_resident(app: Flask, lang: str) -> None:
    created = texts.referral_created_text("R-000123", "emergency", "青山镇", "县人民医院", lang)
    escalated = texts.referral_escalated_text(123, "emergency", "青山镇", "县人民医院", 2, lang)
    completed = texts.referral_completed_staff_text("R-000123", "县人民医院", lang)
    for body in (created, escalated, completed):
        assert "R-000123" in body
        assert "县人民医院" in body
    assert ("【村医随访】" in created and "急诊" in created) if lang == "zh" else "emergency" in created
    assert "紧急" not in created + escalated and "fieldapp" not in created
    assert "2" in escalated


def test_push_payloads_have_title_body_and_link(app: Flask) -> None:
    payload = texts.referral_push(
        "escalated",
        number="R-000123",
        urgency="emergency",
        township_name="青山镇",
        facility_name="县人民医院",
        url="/console/referrals/x",
        lang="zh",
        level=1,
    )
    assert payload["title"] == "村医随访 · 转诊R-000123"
    assert "第1级" in payload["body"]
    assert payload["url"] == "/console/referrals/x"
    digest = texts.overdue_digest_push(3, "/field/#/queue?status=overdue", "en")
    assert digest == {
        "title": "Village Doctor Follow-up · Overdue follow-ups",
        "body": "3 follow-ups fell overdue today.",
        "url": "/field/#/queue?status=overdue",
    }
