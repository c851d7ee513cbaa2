import uuid

from fieldapp.auth.models import Role
from tests.builders import api, create_township, create_user, create_village


def _setup():
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    doctor = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    return township, village, manager, doctor


def _body(village, team, **extra):
    return {"village_id": str(village.id), "date": "2026-11-25", "team": [str(u.id) for u in team], **extra}


def test_township_manager_plans_a_patrol_once(client, app):
    township, village, manager, doctor = _setup()
    body = _body(village, [manager, doctor], id=str(uuid.uuid4()), note="血压筛查")
    first = api(client, "post", "/api/v1/patrols", manager, json=body)
    assert first.status_code == 201, first.json
    assert first.json["township_id"] == str(township.id)
    assert first.json["team"] == [str(manager.id), str(doctor.id)]
    assert first.json["date"] == "2026-11-25"
    again = api(client, "post", "/api/v1/patrols", manager, json=body)
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    changed = api(client, "post", "/api/v1/patrols", manager, json={**body, "date": "2026-11-26"})
    assert changed.status_code == 409
    listed = api(client, "get", "/api/v1/patrols", manager)
    assert listed.json["total"] == 1


def test_team_must_belong_to_the_township(client, app):
    _township, village, manager, _doctor = _setup()
    stranger = create_user(Role.TOWNSHIP_DOCTOR, township=create_township())
    response = api(client, "post", "/api/v1/patrols", manager, json=_body(village, [manager, stranger]))
    assert response.status_code == 422
    assert str(stranger.id) in response.json["error"]["fields"]["team"][0]
    unknown = {**_body(village, [manager]), "team": [str(uuid.uuid4())]}
    assert api(client, "post", "/api/v1/patrols", manager, json=unknown).status_code == 422


def test_who_may_plan(client, app):
    township, village, _manager, doctor = _setup()
    village_doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    admin = create_user(Role.COUNTY_ADMIN)
    other_manager = create_user(Role.TOWNSHIP_MANAGER, township=create_township())
    assert (
        api(client, "post", "/api/v1/patrols", village_doctor, json=_body(village, [doctor])).status_code
        == 403
    )
    assert api(client, "post", "/api/v1/patrols", admin, json=_body(village, [doctor])).status_code == 403
    # The role is checked before the body: a village doctor's malformed plan is still 403.
    assert api(client, "post", "/api/v1/patrols", village_doctor, json={"team": []}).status_code == 403
    outside = api(client, "post", "/api/v1/patrols", other_manager, json=_body(village, [other_manager]))
    assert outside.status_code == 422
    assert "village_id" in outside.json["error"]["fields"]
    assert api(client, "post", "/api/v1/patrols", doctor, json=_body(village, [doctor])).status_code == 201


def test_list_is_scoped_and_filtered_by_dates(client, app):
    township, village, manager, doctor = _setup()
    other = create_township()
    other_village = create_village(other)
    other_manager = create_user(Role.TOWNSHIP_MANAGER, township=other)
    for day in ("2026-11-20", "2026-11-25", "2026-12-03"):
        api(client, "post", "/api/v1/patrols", manager, json={**_body(village, [doctor]), "date": day})
    api(client, "post", "/api/v1/patrols", other_manager, json=_body(other_village, [other_manager]))

    mine = api(client, "get", "/api/v1/patrols?from=2026-11-21&to=2026-12-03", manager)
    assert [p["date"] for p in mine.json["items"]] == ["2026-11-25", "2026-12-03"]
    admin = create_user(Role.COUNTY_ADMIN)
    assert api(client, "get", "/api/v1/patrols", admin).json["total"] == 4
    only_other = api(client, "get", f"/api/v1/patrols?township_id={other.id}", admin)
    assert only_other.json["total"] == 1
    assert api(client, "get", f"/api/v1/patrols?township_id={other.id}", manager).status_code == 404
    assert api(client, "get", "/api/v1/patrols?from=yesterday", manager).status_code == 422
    village_doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    assert api(client, "get", "/api/v1/patrols", village_doctor).json["total"] == 3
