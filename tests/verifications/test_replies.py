"""Replies 1 and 2: answering an open verification question, else confirming an appointment."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.messaging.models import InboundMessage
from fieldapp.messaging.service import record_inbound
from fieldapp.residents.models import Resident
from fieldapp.verifications.models import Verification
from fieldapp.verifications.service import draw_month, expire_questions
from tests.assessment.builders import create_enrollment, create_followup, utc
from tests.builders import create_resident, create_user, create_village


def _asked(name: str = "王芳") -> tuple[Verification, Resident, Enrollment]:
    village = create_village()
    doctor = create_user(Role.VILLAGE_DOCTOR, township=village.township, villages=[village])
    resident = create_resident(village, name=name)
    enrollment = create_enrollment(resident, date(2026, 1, 5))
    create_followup(enrollment, doctor, "2026-11-10T10:00:00+08:00")
    draw_month(utc("2026-12-01T09:00:00+08:00"), seed=1)
    return db.session.scalars(select(Verification)).one(), resident, enrollment


def _reply(resident: Resident, body: str, at: str) -> None:
    record_inbound({"From": resident.phone or "", "Body": body, "MessageSid": f"SM{at}{body}"}, utc(at))


def test_1_within_7_days_confirms_the_follow_up_and_no_appointment(app: Flask) -> None:
    question, resident, enrollment = _asked()
    _reply(resident, " 1 ", "2026-12-03T19:00:00+08:00")
    db.session.refresh(question)
    db.session.refresh(enrollment)
    assert question.status == "confirmed"
    assert question.answered_at == utc("2026-12-03T19:00:00+08:00")
    assert enrollment.appointment_confirmed_at is None
    inbound = db.session.scalars(select(InboundMessage)).one()
    assert inbound.action == "verification"


def test_2_within_7_days_denies_it(app: Flask) -> None:
    question, resident, enrollment = _asked()
    _reply(resident, "2", "2026-12-08T08:59:00+08:00")
    db.session.refresh(question)
    assert question.status == "denied"
    # A second answer finds no open question: a later 1 is an appointment confirmation again.
    _reply(resident, "1", "2026-12-08T09:30:00+08:00")
    db.session.refresh(question)
    db.session.refresh(enrollment)
    assert question.status == "denied"
    assert enrollment.appointment_confirmed_at == utc("2026-12-08T09:30:00+08:00")


def test_after_7_days_1_confirms_the_appointment_and_the_question_has_no_answer(app: Flask) -> None:
    question, resident, enrollment = _asked()
    _reply(resident, "1", "2026-12-08T09:00:01+08:00")
    db.session.refresh(question)
    db.session.refresh(enrollment)
    assert question.status == "asked"
    assert enrollment.appointment_confirmed_at == utc("2026-12-08T09:00:01+08:00")
    assert expire_questions(utc("2026-12-08T09:00:01+08:00")) == 1
    db.session.refresh(question)
    assert question.status == "no_answer"


def test_2_after_7_days_is_kept_for_the_doctor(app: Flask) -> None:
    question, resident, _enrollment = _asked()
    expire_questions(utc("2026-12-09T00:00:00+08:00"))
    _reply(resident, "2", "2026-12-09T10:00:00+08:00")
    db.session.refresh(question)
    assert question.status == "no_answer"
    assert db.session.scalars(select(InboundMessage)).one().action == "note"


def test_without_a_question_1_confirms_the_appointment(app: Flask) -> None:
    village = create_village()
    resident = create_resident(village)
    enrollment = create_enrollment(resident, date(2026, 11, 20))
    _reply(resident, "1", "2026-12-02T10:00:00+08:00")
    db.session.refresh(enrollment)
    assert enrollment.appointment_confirmed_at == utc("2026-12-02T10:00:00+08:00")


def test_the_next_draw_expires_unanswered_questions(app: Flask) -> None:
    question, _resident, _enrollment = _asked()
    result = draw_month(utc("2027-01-01T09:00:00+08:00"), seed=2)
    assert result["expired"] == 1
    db.session.refresh(question)
    assert question.status == "no_answer"
