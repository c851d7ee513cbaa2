"""The referral sheet (双向转诊单) on the API, the referring doctor's push, and the check two weeks on."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.messaging.models import PushDelivery
from fieldapp.timeutil import local_today
from tests.builders import api
from tests.followups.builders import create_enrollment
from tests.referrals.builders import create_county

SHEET = {"impression": "高血压3级，疑高血压急症", "treatment_given": "舌下含服硝苯地平10mg"}
DOWN = {
    "outcome": "住院治疗后好转",
    "diagnosis": "原发性高血压3级（很高危）",
    "findings": "心电图左室高电压；肌酐正常",
    "treatment_plan": "氨氯地平5mg每日一次",
    "rehab_advice": "两周内复查血压，低盐饮食",
}


def test_the_sheet_goes_up_with_the_referral_and_comes_back_with_the_down_referral(client, app):
    county = create_county()
    body = {
        "resident_id": str(county.resident.id),
        "facility_id": str(county.facility.id),
        "urgency": "urgent",
        "reason": "血压 186/112，头痛",
        **SHEET,
    }
    created = api(client, "post", "/api/v1/referrals", county.doctor, json=body)
    assert created.status_code == 201, created.json
    assert {k: created.json[k] for k in SHEET} == SHEET
    referral_id = created.json["id"]
    api(client, "post", f"/api/v1/referrals/{referral_id}/accept", county.desk, json={})
    done = api(client, "post", f"/api/v1/referrals/{referral_id}/complete", county.desk, json=DOWN)
    assert done.status_code == 200, done.json
    assert {k: done.json[k] for k in DOWN} == DOWN
    # The referring doctor's phone gets it all through sync.
    pulled = api(client, "post", "/api/v1/sync", county.doctor, json={"records": []}).json
    row = pulled["changes"]["referrals"][0]
    assert row["status"] == "completed" and row["rehab_advice"] == DOWN["rehab_advice"]
    too_long = api(
        client, "post", "/api/v1/referrals", county.doctor, json={**body, "impression": "x" * 2001}
    )
    assert too_long.status_code == 422 and "impression" in too_long.json["error"]["fields"]


def test_acceptance_and_completion_push_the_referring_doctor_to_the_residents_referrals(client, app):
    county = create_county()
    body = {
        "resident_id": str(county.resident.id),
        "facility_id": str(county.facility.id),
        "urgency": "routine",
        "reason": "x",
    }
    referral_id = api(client, "post", "/api/v1/referrals", county.doctor, json=body).json["id"]
    api(client, "post", f"/api/v1/referrals/{referral_id}/accept", county.desk, json={})
    api(client, "post", f"/api/v1/referrals/{referral_id}/complete", county.desk, json={"outcome": "好转"})
    payloads = db.session.scalars(
        select(PushDelivery.payload).where(PushDelivery.user_id == county.doctor.id)
    )
    urls = {json.loads(payload)["url"] for payload in payloads}
    assert urls == {f"/field/#/referrals/{county.resident.id}?referral={referral_id}"}


@pytest.mark.parametrize(("urgency", "checked"), [("emergency", True), ("urgent", True), ("routine", False)])
def test_an_emergency_or_urgent_referral_makes_the_enrollment_due_within_14_days(
    client, app, urgency, checked
):
    county = create_county()
    enrollment = create_enrollment(county.resident, next_due_on=local_today() + timedelta(days=80))
    body = {
        "resident_id": str(county.resident.id),
        "facility_id": str(county.facility.id),
        "urgency": urgency,
        "reason": "x",
    }
    assert api(client, "post", "/api/v1/referrals", county.doctor, json=body).status_code == 201
    db.session.expire_all()
    due = db.session.get(Enrollment, enrollment.id).next_due_on
    if checked:
        assert due == local_today() + timedelta(days=14)
    else:
        assert due == local_today() + timedelta(days=80)
