"""The follow-up as the national form (DOMAIN.md v2): items, completeness, phone follow-ups, danger codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask_babel import refresh

from fieldapp.extensions import db
from fieldapp.field_errors import localized
from fieldapp.followups import rules
from fieldapp.followups.models import Enrollment
from fieldapp.timeutil import local_date, local_today, utcnow
from tests.builders import api
from tests.followups.builders import create_enrollment, followup_body, full_form, iso

DAY = timedelta(days=1)


def post(client: Any, user: Any, body: dict[str, Any]) -> Any:
    return api(client, "post", "/api/v1/followups", user, json=body)


def days_ago(n: int) -> str:
    return iso(utcnow() - timedelta(days=n, hours=1))


@pytest.mark.parametrize("condition", ["hypertension", "diabetes"])
def test_a_complete_record_round_trips(client, place, condition):
    create_enrollment(place.resident, condition)
    form = full_form(condition)
    response = post(client, place.doctor, followup_body(place.resident, condition, **form))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["completeness"] == {"complete": True, "missing": []}
    assert body["measured"] is True
    assert body["late"] is False
    assert body["bmi"] == 25.0  # 68 kg / 1.65 m squared
    for name, value in form.items():
        assert body[name] == value, name
    listed = api(client, "get", f"/api/v1/residents/{place.resident.id}/followups", place.doctor).json
    assert listed["items"][0] == body


@pytest.mark.parametrize(
    ("condition", "missing"),
    [
        (
            "hypertension",
            [
                "symptoms",
                "weight_kg",
                "heart_rate",
                "lifestyle.cigarettes_per_day",
                "lifestyle.alcohol_liang_per_day",
                "lifestyle.exercise_per_week",
                "lifestyle.exercise_minutes",
                "lifestyle.salt",
                "psychological",
                "compliance",
                "medication_adherence",
                "medications",
            ],
        ),
        (
            "diabetes",
            [
                "symptoms",
                "weight_kg",
                "dorsalis_pedis",
                "lifestyle.cigarettes_per_day",
                "lifestyle.alcohol_liang_per_day",
                "lifestyle.exercise_per_week",
                "lifestyle.exercise_minutes",
                "lifestyle.staple_food_g_per_day",
                "psychological",
                "compliance",
                "medication_adherence",
                "medications",
            ],
        ),
    ],
)
def test_a_first_edition_body_is_kept_and_names_what_is_missing(client, place, condition, missing):
    create_enrollment(place.resident, condition)
    response = post(client, place.doctor, followup_body(place.resident, condition))
    assert response.status_code == 201, response.json
    assert response.json["completeness"] == {"complete": False, "missing": missing}
    assert response.json["medications"] is None
    assert response.json["bmi"] is None


def test_completeness_names_exactly_the_items_left_out(client, place):
    create_enrollment(place.resident)
    form = full_form()
    form["lifestyle"]["salt"] = {"now": "heavy", "target": None}
    del form["psychological"]
    form["medications"] = []  # "none" is an answer
    response = post(client, place.doctor, followup_body(place.resident, **form))
    assert response.json["completeness"] == {
        "complete": False,
        "missing": ["lifestyle.salt", "psychological"],
    }
    assert response.json["medications"] == []


def test_a_recommended_referral_needs_the_referral_or_why_not(client, place):
    create_enrollment(place.resident)
    form = full_form()
    urgent = post(client, place.doctor, followup_body(place.resident, sbp=185, dbp=100, **form)).json
    assert urgent["referral_recommended"] is True
    assert urgent["completeness"]["missing"] == ["referral"]
    declined = followup_body(
        place.resident, performed_at=iso(utcnow() - timedelta(minutes=5)), sbp=185, dbp=100, **form
    )
    declined["referral_declined_reason"] = "患者拒绝"
    assert post(client, place.doctor, declined).json["completeness"]["complete"] is True


def test_bmi_takes_the_residents_newest_height(client, place):
    create_enrollment(place.resident)
    post(client, place.doctor, followup_body(place.resident, performed_at=days_ago(30), height_cm=160.0))
    later = post(client, place.doctor, followup_body(place.resident, weight_kg=64.0)).json
    assert later["bmi"] == 25.0


@pytest.mark.parametrize(
    ("symptoms", "message"),
    [(["fever"], "未知代码：fever"), (["none", "dyspnea"], "“无症状”不能与其他症状同时选择")],
)
def test_bad_symptoms_are_422(client, place, symptoms, message):
    create_enrollment(place.resident)
    response = post(client, place.doctor, followup_body(place.resident, symptoms=symptoms))
    assert response.status_code == 422
    assert message in response.json["error"]["fields"]["symptoms"]


def test_every_field_error_of_a_body_comes_at_once(client, place):
    create_enrollment(place.resident, "diabetes")
    body = followup_body(
        place.resident,
        "diabetes",
        sbp=None,
        fasting_glucose=None,
        heart_rate=999,
        symptoms=["polyuria", "headache_dizziness"],
        lifestyle={"salt": {"now": "salty", "target": "light"}},
        medications=[{"times_per_day": 2}],
        dorsalis_pedis={"left": "faint"},
    )
    fields = post(client, place.doctor, body).json["error"]["fields"]
    assert {
        "sbp",
        "fasting_glucose",
        "heart_rate",
        "symptoms",
        "lifestyle.salt.now",
        "medications.0.name",
        "dorsalis_pedis.left",
    } <= fields.keys()


def test_a_record_received_more_than_7_days_late_is_marked_late(client, place):
    create_enrollment(place.resident)
    assert (
        post(client, place.doctor, followup_body(place.resident, performed_at=days_ago(8))).json["late"]
        is True
    )
    assert (
        post(client, place.doctor, followup_body(place.resident, performed_at=days_ago(6))).json["late"]
        is False
    )


# --- phone follow-ups ----------------------------------------------------------------------------


def test_a_phone_follow_up_needs_no_measurements_and_takes_the_last_measured_classification(client, place):
    enrollment = create_enrollment(place.resident)
    measured = post(client, place.doctor, followup_body(place.resident, performed_at=days_ago(20))).json
    assert measured["classification"] == "controlled"
    due_before = db.session.get(Enrollment, enrollment.id).next_due_on
    phone = followup_body(place.resident, mode="phone", sbp=None, dbp=None, performed_at=days_ago(2))
    answer = post(client, place.doctor, phone).json
    assert answer["measured"] is False
    assert answer["classification"] == "controlled"
    assert answer["urgent_referral"] is False
    # Never postpones the face-to-face visit: the earlier of the due date and its own.
    assert answer["next_due_on"] == due_before.isoformat()
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).next_due_on == due_before
    assert "sbp" not in answer["completeness"]["missing"]


def place_due(place: Any) -> str:
    return str(
        db.session.scalar(
            db.select(Enrollment.next_due_on).where(Enrollment.resident_id == place.resident.id)
        )
    )


def test_a_phone_follow_up_without_a_measured_one_is_uncontrolled(client, place):
    create_enrollment(place.resident)
    phone = followup_body(place.resident, mode="phone", sbp=None, dbp=None)
    answer = post(client, place.doctor, phone).json
    assert answer["classification"] == "uncontrolled"
    # The enrollment was due already: the call keeps that date (the earlier one).
    assert answer["next_due_on"] == place_due(place)


def test_reported_values_are_kept_but_never_classify_nor_alarm(client, place):
    create_enrollment(place.resident)
    post(client, place.doctor, followup_body(place.resident, performed_at=days_ago(20)))
    phone = followup_body(place.resident, mode="phone", sbp=200, dbp=120, performed_at=days_ago(2))
    answer = post(client, place.doctor, phone).json
    assert (answer["sbp"], answer["dbp"]) == (200, 120)
    assert answer["classification"] == "controlled"
    assert answer["urgent_referral"] is False
    assert answer["referral_recommended"] is False


def test_phone_follow_ups_neither_start_nor_break_two_in_a_row(client, place):
    create_enrollment(place.resident)
    first = post(client, place.doctor, followup_body(place.resident, sbp=150, performed_at=days_ago(30))).json
    assert first["classification"] == "uncontrolled"
    phone = followup_body(place.resident, mode="phone", sbp=None, dbp=None, performed_at=days_ago(20))
    between = post(client, place.doctor, phone).json
    assert between["classification"] == "uncontrolled"
    assert between["referral_recommended"] is False  # a phone call is no link of the chain
    second = post(
        client, place.doctor, followup_body(place.resident, sbp=150, performed_at=days_ago(10))
    ).json
    assert second["referral_recommended"] is True  # the face-to-face one before it, across the call


def test_a_phone_follow_up_with_a_danger_sign_is_urgent(client, place):
    create_enrollment(place.resident)
    phone = followup_body(place.resident, mode="phone", sbp=None, dbp=None, danger_signs=["chest_tightness"])
    assert post(client, place.doctor, phone).json["urgent_referral"] is True


def test_face_to_face_needs_blood_pressure_and_diabetes_glucose(client, place):
    create_enrollment(place.resident, "diabetes")
    body = followup_body(place.resident, "diabetes", sbp=None, dbp=None, fasting_glucose=None)
    fields = post(client, place.doctor, body).json["error"]["fields"]
    assert fields == {
        "sbp": ["面对面随访必填"],
        "dbp": ["面对面随访必填"],
        "fasting_glucose": ["糖尿病随访必填"],
    }


# --- danger signs, complications, the doctor's date --------------------------------------------

EVERY_CODE = sorted(
    {code for codes in rules.DANGER_SIGNS.values() for code in codes} | set(rules.DANGER_SIGN_ALIASES)
)


@pytest.mark.parametrize("code", EVERY_CODE)
@pytest.mark.parametrize("condition", ["hypertension", "diabetes"])
def test_every_danger_code_and_alias_makes_an_urgent_referral(client, place, condition, code):
    create_enrollment(place.resident, condition)
    response = post(client, place.doctor, followup_body(place.resident, condition, danger_signs=[code]))
    assert response.status_code == 201, response.json
    assert response.json["urgent_referral"] is True
    assert response.json["danger_signs"] == [code]


def test_a_worsened_complication_is_a_complication(client, place):
    create_enrollment(place.resident)
    answer = post(client, place.doctor, followup_body(place.resident, worsened_complication=True)).json
    assert answer["classification"] == "complication"
    assert answer["referral_recommended"] is True


def test_the_doctor_may_set_an_earlier_next_due_on_never_a_later_one(client, place):
    enrollment = create_enrollment(place.resident)
    performed = local_date(utcnow() - timedelta(hours=1))  # followup_body's performed_at
    rule_date = performed + timedelta(days=90)
    later = followup_body(place.resident, next_due_on=(rule_date + DAY).isoformat())
    response = post(client, place.doctor, later)
    assert response.status_code == 422
    assert "next_due_on" in response.json["error"]["fields"]
    before = followup_body(place.resident, next_due_on=(performed - DAY).isoformat())
    assert post(client, place.doctor, before).status_code == 422
    earlier = followup_body(place.resident, next_due_on=(performed + timedelta(days=30)).isoformat())
    answer = post(client, place.doctor, earlier)
    assert answer.status_code == 201, answer.json
    assert answer.json["next_due_on"] == (performed + timedelta(days=30)).isoformat()
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).next_due_on == performed + timedelta(days=30)


def test_closing_for_death_keeps_its_date_and_cause(client, place):
    enrollment = create_enrollment(place.resident)
    body = {"reason": "died", "death_on": (local_today() - DAY).isoformat(), "death_cause": "脑卒中"}
    answer = api(client, "post", f"/api/v1/enrollments/{enrollment.id}/close", place.doctor, json=body)
    assert answer.status_code == 200, answer.json
    assert (answer.json["close_reason"], answer.json["death_cause"]) == ("died", "脑卒中")
    for reason in ("refused", "lost", "misdiagnosed"):
        other = create_enrollment(place.resident, "diabetes")
        closed = api(
            client, "post", f"/api/v1/enrollments/{other.id}/close", place.doctor, json={"reason": reason}
        )
        assert closed.json["close_reason"] == reason
    wrong = create_enrollment(place.resident, "diabetes")
    refused = api(
        client,
        "post",
        f"/api/v1/enrollments/{wrong.id}/close",
        place.doctor,
        json={"reason": "moved", "death_cause": "x"},
    )
    assert refused.status_code == 422


def test_the_rules_answer_carries_the_form(client, place):
    document = api(client, "get", "/api/v1/rules", place.doctor).json
    names = [item["name"] for item in document["form"]["items"]]
    assert names[0] == "symptoms"
    assert {"lifestyle.salt", "medications", "dorsalis_pedis", "insulin", "referral"} <= set(names)
    salt = next(item for item in document["form"]["items"] if item["name"] == "lifestyle.salt")
    assert salt["conditions"] == ["hypertension"]
    assert salt["choices"] == ["light", "moderate", "heavy"]
    assert document["ranges"]["sbp"]["low"] == 60
    assert "misdiagnosed" in document["close_reasons"]


def test_sync_takes_the_full_form_and_the_pull_brings_it_back(client, place):
    create_enrollment(place.resident, "diabetes")
    record = followup_body(place.resident, "diabetes", **full_form("diabetes"))
    answer = api(
        client,
        "post",
        "/api/v1/sync",
        place.doctor,
        json={"records": [{"type": "followup", "data": record}], "since": None},
    ).json
    assert answer["results"][0]["status"] == "created", answer["results"]
    pulled = answer["changes"]["followups"][0]
    assert pulled["completeness"] == {"complete": True, "missing": []}
    assert pulled["lifestyle"]["staple_food_g_per_day"] == {"now": 400, "target": 300}
    assert pulled["medications"] == [{"name": "二甲双胍", "times_per_day": 2, "dose": "0.5g"}]
    assert "referral" not in pulled  # items left out are not sent


def test_field_errors_follow_the_callers_language(app):
    fields = {
        "sbp": ["must be between 60 and 300"],
        "lifestyle.salt.now": ["Must be one of: light, moderate."],
    }
    # The test's app context outlives each request: forget the locale Flask-Babel keeps in it.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert localized(fields) == fields
    with app.test_request_context():
        refresh()
        assert localized(fields) == {
            "sbp": ["须在60至300之间"],
            "lifestyle.salt.now": ["须为以下之一：light, moderate"],
        }
