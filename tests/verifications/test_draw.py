"""The monthly verification sample, worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.followups.models import FollowUp
from fieldapp.messaging.models import Message, SmsOptOut
from fieldapp.org.models import Village
from fieldapp.verifications import rules
from fieldapp.verifications.models import Verification, VerificationDraw
from fieldapp.verifications.service import draw_month
from tests.assessment.builders import build_followup, create_enrollment, utc
from tests.builders import create_resident, create_user, create_village

DEC_1 = utc("2026-12-01T09:00:00+08:00")
SEED = 20261201


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [(0, 0), (1, 1), (2, 2), (3, 3), (4, 3), (60, 3), (61, 4), (100, 5), (101, 6), (200, 10)],
)
def test_sample_size_is_5_percent_rounded_up_at_least_3_at_most_all(candidates: int, expected: int) -> None:
    assert rules.sample_size(candidates) == expected


def test_previous_month() -> None:
    assert rules.previous_month(date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert rules.previous_month(date(2027, 1, 15)) == (date(2026, 12, 1), date(2026, 12, 31))


def _doctor_with_followups(
    village: Village, count: int, day: str = "2026-11-10"
) -> tuple[User, list[FollowUp]]:
    doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    followups = []
    for _ in range(count):
        enrollment = create_enrollment(create_resident(village), date(2026, 1, 5))
        followups.append(build_followup(enrollment, doctor, f"{day}T10:00:00+08:00"))
    db.session.commit()
    return doctor, followups


def _drawn(doctor: User) -> set[str]:
    return {
        str(v.followup_id)
        for v in db.session.scalars(select(Verification).where(Verification.doctor_id == doctor.id))
    }


def test_a_draw_worked_out_by_hand(app: Flask) -> None:
    village = create_village()
    many, many_followups = _doctor_with_followups(village, 61)  # 5 % of 61 = 3.05: 4
    few, few_followups = _doctor_with_followups(village, 4)  # 5 % of 4 < 3: 3
    two, two_followups = _doctor_with_followups(village, 2)  # fewer than 3: both
    # Never asked: no phone, no consent, opted out, a phone follow-up, another month.
    excluded_doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    opted_out = create_resident(village, phone="+8613900009999")
    db.session.add(SmsOptOut(phone=opted_out.phone))
    db.session.commit()
    for resident, when, mode in (
        (create_resident(village, phone=None), "2026-11-03T10:00:00+08:00", "clinic"),
        (create_resident(village, sms_consent=False), "2026-11-03T10:00:00+08:00", "home"),
        (opted_out, "2026-11-03T10:00:00+08:00", "clinic"),
        (create_resident(village), "2026-11-03T10:00:00+08:00", "phone"),
        (create_resident(village), "2026-10-31T23:30:00+08:00", "clinic"),
        (create_resident(village), "2026-12-01T00:10:00+08:00", "clinic"),
    ):
        build_followup(create_enrollment(resident, date(2026, 1, 5)), excluded_doctor, when, mode=mode)
    db.session.commit()

    result = draw_month(DEC_1, seed=SEED)

    assert result == {"month": "2026-11", "expired": 0, "drawn": 4 + 3 + 2, "seed": SEED}
    assert len(_drawn(many)) == 4 and _drawn(many) <= {str(f.id) for f in many_followups}
    assert len(_drawn(few)) == 3
    assert _drawn(two) == {str(f.id) for f in two_followups}
    assert _drawn(excluded_doctor) == set()
    # Reproducible: the stored seed orders the same candidates the same way.
    draw = db.session.scalars(select(VerificationDraw)).one()
    assert draw.seed == SEED
    for doctor, followups, size in ((many, many_followups, 4), (few, few_followups, 3)):
        order = rules.shuffled([str(f.id) for f in followups], draw.seed, str(doctor.id))
        assert _drawn(doctor) == set(order[:size])
    # Each question went through the messaging pipeline, naming the resident and the date only.
    messages = list(db.session.scalars(select(Message).where(Message.kind == "verification")))
    assert len(messages) == 9
    some = messages[0]
    assert (
        "张伟" in some.body and "11月10日" in some.body and "回复1" in some.body and "回复TD退订" in some.body
    )
    assert "血压" not in some.body and "128" not in some.body


def test_drawing_a_month_twice_draws_nothing_new(app: Flask) -> None:
    village = create_village()
    _doctor_with_followups(village, 5)
    assert draw_month(DEC_1, seed=1)["drawn"] == 3
    again = draw_month(utc("2026-12-01T10:00:00+08:00"))
    assert again["drawn"] == 0
    assert db.session.scalar(select(func.count()).select_from(Verification)) == 3
    assert db.session.scalar(select(func.count()).select_from(VerificationDraw)) == 1


def test_no_follow_up_is_drawn_twice_across_months(app: Flask) -> None:
    village = create_village()
    doctor, november = _doctor_with_followups(village, 3, day="2026-11-10")
    draw_month(DEC_1, seed=7)
    assert _drawn(doctor) == {str(f.id) for f in november}
    # December's sample draws only December's follow-ups, and never a phone with an open question.
    december = [
        build_followup(
            create_enrollment(create_resident(village), date(2026, 1, 5)), doctor, "2026-12-10T10:00:00+08:00"
        )
        for _ in range(3)
    ]
    db.session.commit()
    result = draw_month(utc("2027-01-01T09:00:00+08:00"), seed=7)
    assert result["month"] == "2026-12" and result["drawn"] == 3
    assert _drawn(doctor) == {str(f.id) for f in november + december}
    ids = list(db.session.scalars(select(Verification.followup_id)))
    assert len(ids) == len(set(ids)) == 6


def test_a_household_phone_gets_one_open_question(app: Flask) -> None:
    village = create_village()
    doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    shared = "+8613900001111"
    for name in ("王芳", "李强", "赵敏"):
        enrollment = create_enrollment(create_resident(village, name=name, phone=shared), date(2026, 1, 5))
        build_followup(enrollment, doctor, "2026-11-12T10:00:00+08:00")
    db.session.commit()
    assert draw_month(DEC_1, seed=3)["drawn"] == 1
    question = db.session.scalars(select(Verification)).one()
    message = db.session.get(Message, question.message_id)
    assert message is not None and message.to == shared


def test_the_question_waits_for_the_send_window(app: Flask) -> None:
    village = create_village()
    _doctor_with_followups(village, 3)
    draw_month(utc("2026-12-01T00:20:00+08:00"), seed=1)
    for verification in db.session.scalars(select(Verification)):
        assert verification.asked_at == utc("2026-12-01T08:00:00+08:00")
        assert verification.answer_by == utc("2026-12-08T08:00:00+08:00")
        message = db.session.get(Message, verification.message_id)
        assert message is not None and message.status == "queued"


def test_the_cli_draws_last_month(app: Flask, runner: FlaskCliRunner) -> None:
    village = create_village()
    _doctor_with_followups(village, 3)
    result = runner.invoke(args=["verifications", "draw", "--at", "2026-12-01T09:00:00+08:00"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = __import__("json").loads(result.output)
    assert out["month"] == "2026-11" and out["drawn"] == 3


def test_the_draw_is_a_periodic_job_on_the_first(app: Flask) -> None:
    from workers.periodic import PERIODIC_JOBS

    jobs = {job.name: job for job in PERIODIC_JOBS}
    assert jobs["fieldapp.verification_draw"].cron == "20 * 1 * *"
    assert "fieldapp.verification_expiry" in jobs
