"""Authorisation cases for verifications, the assessment, trainings and guidance visits."""

from __future__ import annotations

import itertools
from datetime import date

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow
from fieldapp.verifications.models import Verification, VerificationDraw
from tests.assessment.builders import create_enrollment, create_followup
from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area
from tests.builders import create_resident, create_user

_months = itertools.count(0)


def create_verification(area: Area) -> Verification:
    """A question asked about a follow-up by a village doctor of the area."""
    doctor = create_user(Role.VILLAGE_DOCTOR, township=area.township, villages=[area.village])
    resident = create_resident(area.village)
    followup = create_followup(
        create_enrollment(resident, date(2026, 1, 5)), doctor, "2026-11-10T10:00:00+08:00"
    )
    n = next(_months)
    draw = VerificationDraw(month=f"{2000 + n // 12}-{n % 12 + 1:02d}", seed=n, drawn_at=utcnow())
    db.session.add(draw)
    db.session.flush()
    verification = Verification(
        draw_id=draw.id,
        followup_id=followup.id,
        resident_id=resident.id,
        doctor_id=doctor.id,
        township_id=area.township.id,
        phone=resident.phone,
        performed_on=date(2026, 11, 10),
        status="denied",
        asked_at=utcnow(),
        answer_by=utcnow(),
    )
    db.session.add(verification)
    db.session.commit()
    return verification


def _verifications(area: Area) -> Call:
    return Call("/api/v1/verifications", listed_id=create_verification(area).id)


def _review(area: Area) -> Call:
    verification = create_verification(area)
    return Call(
        f"/api/v1/verifications/{verification.id}/review", json={"finding": "genuine", "note": "已电话核实"}
    )


def _assessment(area: Area) -> Call:
    return Call(f"/api/v1/reports/assessment?township_id={area.township.id}&period=2026Q4")


def _training_report(area: Area) -> Call:
    return Call(f"/api/v1/reports/training?township_id={area.township.id}&year=2026")


def _new_training(area: Area) -> Call:
    doctor = create_user(Role.VILLAGE_DOCTOR, township=area.township, villages=[area.village])
    body = {
        "starts_on": "2026-10-12",
        "days": 7,
        "topic": "高血压规范管理",
        "organiser": "县人民医院",
        "attendee_ids": [str(doctor.id)],
    }
    return Call("/api/v1/trainings", json=body)


def _new_guidance_visit(area: Area) -> Call:
    body = {
        "on": "2026-11-05",
        "staff_name": "刘医生",
        "facility_id": str(area.facility.id),
        "place": "village",
        "township_id": str(area.township.id),
        "village_id": str(area.village.id),
        "topic": "糖尿病足检查",
    }
    return Call("/api/v1/guidance-visits", json=body)


CASES = [
    Case(
        "verifications_api.list_verifications",
        "GET",
        _verifications,
        inside=by_role(403, township_manager=LISTED, county_admin=LISTED),
        outside=by_role(403, township_manager=UNLISTED, county_admin=LISTED),
    ),
    Case(
        "verifications_api.review_verification",
        "POST",
        _review,
        inside=by_role(403, township_manager=200),
        outside=by_role(403, township_manager=404),
    ),
    Case(
        "assessment_api.assessment",
        "GET",
        _assessment,
        inside=by_role(403, township_doctor=200, township_manager=200, county_admin=200),
        outside=by_role(403, township_doctor=404, township_manager=404, county_admin=200),
    ),
    Case(
        "training_api.training_report",
        "GET",
        _training_report,
        inside=by_role(403, township_doctor=200, township_manager=200, county_admin=200),
        outside=by_role(403, township_doctor=404, township_manager=404, county_admin=200),
    ),
    Case(
        "training_api.create_training",
        "POST",
        _new_training,
        inside=by_role(403, township_manager=201, county_admin=201),
        # Another township's doctors are a field error, as a patrol's team is.
        outside=by_role(403, township_manager=422, county_admin=201),
    ),
    Case(
        "training_api.create_guidance_visit",
        "POST",
        _new_guidance_visit,
        inside=by_role(403, township_manager=201, county_admin=201),
        outside=by_role(403, township_manager=422, county_admin=201),
    ),
]
