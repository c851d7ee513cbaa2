"""Health checks through the API: items, idempotency, validation, and the health-check queue."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from fieldapp.healthchecks.items import ITEMS
from fieldapp.timeutil import local_today
from tests.builders import api
from tests.followups.builders import create_enrollment


def check_body(resident, **fields):
    return {"resident_id": str(resident.id), "performed_on": local_today().isoformat(), **fields}


def test_a_full_health_check_is_echoed_with_its_bmi(client, place):
    body = check_body(
        place.resident,
        temperature_c=36.6,
        pulse=72,
        respiration=18,
        sbp_left=142,
        dbp_left=88,
        sbp_right=138,
        dbp_right=86,
        height_cm=165,
        weight_kg=70,
        waist_cm=88,
        mouth="normal",
        vision_left="normal",
        vision_right="abnormal",
        hearing="normal",
        motor="normal",
        cigarettes_per_day=10,
        alcohol_liang_per_day=1,
        exercise_per_week=3,
        exercise_minutes=30,
        salt="heavy",
        staple_food_g_per_day=400,
        fasting_glucose=6.2,
        total_cholesterol=5.8,
        triglycerides=1.9,
        ldl=3.6,
        hdl=1.1,
        serum_creatinine=80,
        alt=30,
        urine_protein="trace",
        ecg="abnormal",
        ecg_note="ST段改变",
        conclusion="abnormal",
        abnormalities="血压偏高；血脂偏高",
        advice="低盐饮食，戒烟",
    )
    response = api(client, "post", "/api/v1/health-checks", place.doctor, json=body)
    assert response.status_code == 201, response.json
    answer = response.json
    for name, value in body.items():
        assert answer[name] == value, name
    assert answer["bmi"] == 25.7  # 70 / 1.65² = 25.71…
    assert answer["performed_by"] == str(place.doctor.id)


def test_every_item_but_the_date_may_be_left_out(client, place):
    response = api(client, "post", "/api/v1/health-checks", place.doctor, json=check_body(place.resident))
    assert response.status_code == 201, response.json
    assert all(response.json[item.name] is None for item in ITEMS)
    assert response.json["bmi"] is None
    missing = api(
        client, "post", "/api/v1/health-checks", place.doctor, json={"resident_id": str(place.resident.id)}
    )
    assert missing.status_code == 422
    assert "performed_on" in missing.json["error"]["fields"]


def test_the_same_id_is_the_same_check(client, place):
    body = check_body(place.resident, id=str(uuid.uuid4()), weight_kg=60)
    first = api(client, "post", "/api/v1/health-checks", place.doctor, json=body)
    again = api(client, "post", "/api/v1/health-checks", place.doctor, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert (
        api(client, "post", "/api/v1/health-checks", place.doctor, json={**body, "weight_kg": 61}).status_code
        == 409
    )


def test_field_errors(client, place):
    bad = check_body(place.resident, temperature_c=50, urine_protein="++++", mouth="fine", pulse=7.5)
    response = api(client, "post", "/api/v1/health-checks", place.doctor, json=bad)
    assert response.status_code == 422
    assert {"temperature_c", "urine_protein", "mouth", "pulse"} <= set(response.json["error"]["fields"])
    arms = check_body(place.resident, sbp_left=120, dbp_left=130, sbp_right=120)
    response = api(client, "post", "/api/v1/health-checks", place.doctor, json=arms)
    assert response.status_code == 422
    assert {"dbp_left", "dbp_right"} <= set(response.json["error"]["fields"])
    future = check_body(place.resident, performed_on=(local_today() + timedelta(days=1)).isoformat())
    assert api(client, "post", "/api/v1/health-checks", place.doctor, json=future).status_code == 422


def test_outside_the_area_is_not_found(client, place):
    body = check_body(place.resident)
    assert api(client, "post", "/api/v1/health-checks", place.stranger, json=body).status_code == 404
    path = f"/api/v1/residents/{place.resident.id}/health-checks"
    assert api(client, "get", path, place.stranger).status_code == 404


def test_a_resident_s_checks_newest_first(client, place):
    older = check_body(place.resident, performed_on=date(local_today().year - 1, 6, 1).isoformat())
    api(client, "post", "/api/v1/health-checks", place.doctor, json=older)
    api(client, "post", "/api/v1/health-checks", place.doctor, json=check_body(place.resident))
    body = api(client, "get", f"/api/v1/residents/{place.resident.id}/health-checks", place.doctor).json
    assert [item["performed_on"] for item in body["items"]] == [
        local_today().isoformat(),
        older["performed_on"],
    ]


def test_the_form_lists_every_item_by_section(client, place):
    form = api(client, "get", "/api/v1/health-checks/form", place.doctor).json
    assert [s["name"] for s in form["sections"]] == ["general", "organs", "lifestyle", "exams", "assessment"]
    assert [i["name"] for i in form["items"]] == [item.name for item in ITEMS]
    assert form["choices"]["urine_protein"]["trace"]["zh"].startswith("微量")


def test_the_health_check_queue_empties_when_the_check_is_recorded(client, place):
    create_enrollment(place.resident, "hypertension")
    create_enrollment(place.resident, "diabetes")
    queue = api(client, "get", "/api/v1/queue?status=health_check", place.doctor).json
    assert queue["total"] == 1  # one resident, however many conditions
    item = queue["items"][0]
    assert item["resident"]["id"] == str(place.resident.id)
    assert item["due_on"] == date(local_today().year, 12, 31).isoformat()
    assert item["condition"] == "diabetes"
    # Last year's check does not count for this year.
    last_year = check_body(place.resident, performed_on=date(local_today().year - 1, 12, 31).isoformat())
    api(client, "post", "/api/v1/health-checks", place.doctor, json=last_year)
    assert api(client, "get", "/api/v1/queue?status=health_check", place.doctor).json["total"] == 1
    api(client, "post", "/api/v1/health-checks", place.doctor, json=check_body(place.resident))
    after = api(client, "get", "/api/v1/queue?status=health_check", place.doctor).json
    assert after == {"items": [], "total": 0, "page": 1, "per_page": 50}


def test_only_managed_residents_wait_for_a_check(client, place):
    assert api(client, "get", "/api/v1/queue?status=health_check", place.doctor).json["total"] == 0
    create_enrollment(place.resident, "hypertension", status="closed")
    assert api(client, "get", "/api/v1/queue?status=health_check", place.doctor).json["total"] == 0
    create_enrollment(place.resident, "diabetes")
    assert (
        api(client, "get", "/api/v1/queue?status=health_check&condition=hypertension", place.doctor).json[
            "total"
        ]
        == 0
    )
    assert (
        api(client, "get", "/api/v1/queue?status=health_check&condition=diabetes", place.doctor).json["total"]
        == 1
    )
    assert api(client, "get", "/api/v1/queue?status=health_check", place.stranger).json["total"] == 0


def test_the_health_check_queue_total_holds_on_every_page(client, place):
    from tests.builders import create_resident

    create_enrollment(place.resident, "hypertension")
    for name in ("乙", "丙"):
        create_enrollment(create_resident(place.village, name=name), "diabetes")
    path = "/api/v1/queue?status=health_check&per_page=2"
    first = api(client, "get", path, place.doctor).json
    second = api(client, "get", f"{path}&page=2", place.doctor).json
    beyond = api(client, "get", f"{path}&page=3", place.doctor).json
    assert (first["total"], second["total"], beyond["total"]) == (3, 3, 3)
    assert (len(first["items"]), len(second["items"]), beyond["items"]) == (2, 1, [])


def test_a_check_moves_with_its_resident_and_keeps_them_off_the_new_village_queue(client, place):
    """The queue reads the area's checks by their own village: a resident checked this year who
    then moves stays off the queue of the village they move to, and leaves the old one's."""
    from fieldapp.extensions import db
    from tests.builders import create_resident

    there = place.stranger.villages[0]
    create_enrollment(place.resident, "hypertension")
    waiting_there = create_resident(there, name="丁")
    create_enrollment(waiting_there, "diabetes")
    api(client, "post", "/api/v1/health-checks", place.doctor, json=check_body(place.resident))
    place.resident.village_id = there.id
    db.session.commit()
    queue = api(client, "get", "/api/v1/queue?status=health_check", place.stranger).json
    assert [item["resident"]["id"] for item in queue["items"]] == [str(waiting_there.id)]
    assert queue["total"] == 1
    assert api(client, "get", "/api/v1/queue?status=health_check", place.doctor).json["total"] == 0
