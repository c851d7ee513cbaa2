"""A cursor the server did not make is a 400 whose words follow the caller's language."""

from __future__ import annotations

from fieldapp.auth.models import Role
from tests.builders import api, create_township, create_user, create_village


def test_a_bad_cursor_is_explained_in_chinese_by_default(client, app):
    township = create_township()
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[create_village(township)])
    answer = api(client, "post", "/api/v1/sync", doctor, json={"records": [], "since": "abc"})
    assert answer.status_code == 400
    error = answer.json["error"]
    assert error["code"] == "bad_request"
    assert error["message"] == "同步位置无效。"
    assert error["fields"] == {"since": ["不是本服务给出的同步位置"]}
