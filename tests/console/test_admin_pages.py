"""County admin pages: organisation, users, audit log, job queues; and who may not see them."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from fieldapp.audit.service import record_access
from fieldapp.auth.models import Role, User
from fieldapp.auth.service import check_credentials
from fieldapp.extensions import db
from fieldapp.org.models import Township, Village
from tests.builders import (
    PASSWORD,
    create_facility,
    create_resident,
    create_township,
    create_user,
    create_village,
)
from tests.console.builders import create_referral_row
from tests.console.helpers import post_form, sign_in


@pytest.fixture
def admin(app: object) -> User:
    return create_user(Role.COUNTY_ADMIN, username="county")


def test_anonymous_visitor_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/console/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/console/admin/users")


@pytest.mark.parametrize("role", [Role.TOWNSHIP_MANAGER, Role.REFERRAL_DESK, Role.VILLAGE_DOCTOR])
def test_other_roles_may_not_open_admin_pages(client: FlaskClient, role: Role) -> None:
    township = create_township()
    user = create_user(role, township=township, facility=create_facility())
    sign_in(client, user)
    for path in ("/console/admin/org", "/console/admin/users", "/console/admin/audit", "/console/admin/jobs"):
        assert client.get(path).status_code == 403, path


def test_admin_sets_up_a_township_with_its_doctor_from_the_console(client: FlaskClient, admin: User) -> None:
    sign_in(client, admin)
    assert post_form(client, "/console/admin/townships", {"code": "TS9", "name": "新集镇"}).status_code == 302
    township = db.session.query(Township).filter_by(code="TS9").one()
    post_form(
        client, "/console/admin/villages", {"code": "TS9V1", "name": "上庄", "township_id": township.id}
    )
    village = db.session.query(Village).filter_by(code="TS9V1").one()
    post_form(
        client, "/console/admin/facilities", {"code": "CH9", "name": "县中医院", "phone": "13800000009"}
    )
    post_form(
        client,
        "/console/admin/users",
        {
            "username": "dr.li",
            "password": "long enough pw",
            "role": "village_doctor",
            "township_id": township.id,
            "village_ids": [village.id],
            "name": "李医生",
            "phone": "",
        },
    )
    doctor = db.session.query(User).filter_by(username="dr.li").one()
    assert doctor.village_ids == [village.id]
    assert check_credentials("dr.li", "long enough pw") is not None
    page = client.get("/console/admin/org").get_data(as_text=True)
    assert "新集镇" in page and "上庄" in page and "县中医院" in page and "+8613800000009" in page
    assert "dr.li" in client.get("/console/admin/users").get_data(as_text=True)


def test_a_bad_form_says_what_is_wrong_and_creates_nothing(client: FlaskClient, admin: User) -> None:
    sign_in(client, admin)
    response = post_form(
        client, "/console/admin/users", {"username": "x", "password": "short", "role": "village_doctor"}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "password" in page and "township_id" in page
    assert db.session.query(User).filter_by(username="x").count() == 0


def test_a_form_without_the_csrf_token_is_refused(client: FlaskClient, admin: User) -> None:
    sign_in(client, admin)
    response = client.post("/console/admin/townships", data={"code": "T1", "name": "x"})
    assert response.status_code == 403
    assert db.session.query(Township).count() == 0


def test_admin_edits_resets_and_deactivates_a_user(client: FlaskClient, admin: User) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township)
    sign_in(client, admin)
    path = f"/console/admin/users/{doctor.id}"
    assert doctor.username in client.get(path).get_data(as_text=True)
    post_form(
        client,
        path,
        {
            "_form": "profile",
            "role": "village_doctor",
            "township_id": township.id,
            "village_ids": [village.id],
            "name": "王医生",
            "phone": "",
        },
    )
    post_form(client, path, {"_form": "password", "password": "a new password"})
    db.session.expire_all()
    assert doctor.name == "王医生" and doctor.village_ids == [village.id]
    assert check_credentials(doctor.username, "a new password") is not None
    post_form(client, path, {"_form": "active", "active": "false"})
    db.session.expire_all()
    assert doctor.active is False
    assert check_credentials(doctor.username, "a new password") is None
    assert check_credentials(doctor.username, PASSWORD) is None


def test_audit_log_shows_who_read_which_resident(client: FlaskClient, admin: User) -> None:
    village = create_village()
    reader = create_user(Role.TOWNSHIP_DOCTOR, username="reader", township=village.township)
    resident = create_resident(village, name="刘芳")
    record_access(reader, "read", "resident", resident.id)
    db.session.commit()
    sign_in(client, admin)
    page = client.get("/console/admin/audit").get_data(as_text=True)
    assert "reader" in page and "刘芳" in page and "Read" in page
    filtered = client.get(f"/console/admin/audit?user_id={admin.id}").get_data(as_text=True)
    assert "刘芳" not in filtered


def test_job_queues_page_says_when_redis_is_not_configured(client: FlaskClient, admin: User) -> None:
    sign_in(client, admin)
    page = client.get("/console/admin/jobs").get_data(as_text=True)
    assert "not configured" in page


def test_the_user_page_lists_only_the_users_townships_villages(client: FlaskClient, admin: User) -> None:
    home, other = create_township(name="青山镇"), create_township(name="河口乡")
    mine, theirs = create_village(home, name="东村"), create_village(other, name="远村")
    doctor = create_user(Role.VILLAGE_DOCTOR, township=home)
    sign_in(client, admin)
    page = client.get(f"/console/admin/users/{doctor.id}").get_data(as_text=True)
    label = lambda v: page[page.index(f'data-township="{v.township_id}"') :].split(">")[0]  # noqa: E731
    assert "hidden" not in label(mine) and "hidden" in label(theirs)
    assert 'src="/static/console/users.js"' in page  # hides the others as the township changes


def test_audit_log_names_the_resident_of_a_referral_and_the_action_in_chinese(
    client: FlaskClient, admin: User
) -> None:
    village = create_village()
    resident = create_resident(village, name="孙丽")
    desk = create_user(Role.REFERRAL_DESK, username="desk9", facility=create_facility())
    referral = create_referral_row(resident, desk.facility_id)
    record_access(desk, "accept", "referral", referral.id)
    db.session.commit()
    sign_in(client, admin, lang="zh")
    page = client.get("/console/admin/audit").get_data(as_text=True)
    row = page[page.index("<td>desk9</td>") :].split("</tr>")[0]
    assert (
        "接收" in row and "孙丽" in row and "转诊单" in row and str(referral.id) not in row.split('href="')[0]
    )
