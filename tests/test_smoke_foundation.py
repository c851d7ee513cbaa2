from fieldapp.auth.models import Role
from tests.builders import PASSWORD, api, create_township, create_user, create_village


def test_sign_in_and_me(client, app):
    township = create_township()
    village = create_village(township)
    user = create_user(Role.VILLAGE_DOCTOR, username="li", township=township, villages=[village])
    response = client.post("/api/v1/auth/token", json={"username": "li", "password": PASSWORD})
    assert response.status_code == 200, response.json
    token = response.json["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["username"] == "li"
    assert me.json["village_ids"] == [str(village.id)]
    resp = api(
        client,
        "post",
        "/api/v1/residents",
        user,
        json={
            "name": "王芳",
            "sex": "F",
            "birth_date": "1955-03-02",
            "village_id": str(village.id),
            "phone": "13912345678",
            "sms_consent": True,
        },
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["phone"] == "+8613912345678"
