"""Authorisation cases for the foundation: sign-in, me, organisation, residents, OpenAPI."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fieldapp.auth.models import Role
from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, doctor_in, resident_in
from tests.builders import PASSWORD, create_user


def _code() -> str:
    return f"C{uuid.uuid4().hex[:10]}"


def _sign_in(area: Area) -> Call:
    user = create_user(Role.VILLAGE_DOCTOR, township=area.township, villages=[area.village])
    return Call("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})


def _plain(path: str) -> Callable[[Area], Call]:
    return lambda _area: Call(path)


def _new_township(_area: Area) -> Call:
    return Call("/api/v1/townships", json={"code": _code(), "name": "新镇"})


def _townships(area: Area) -> Call:
    return Call("/api/v1/townships", listed_id=area.township.id)


def _new_village(area: Area) -> Call:
    return Call(
        "/api/v1/villages", json={"code": _code(), "name": "新村", "township_id": str(area.township.id)}
    )


def _villages(area: Area) -> Call:
    return Call("/api/v1/villages", listed_id=area.village.id)


def _new_facility(_area: Area) -> Call:
    return Call("/api/v1/facilities", json={"code": _code(), "name": "县中医院", "phone": "0731-88886666"})


def _facilities(area: Area) -> Call:
    return Call("/api/v1/facilities", listed_id=area.facility.id)


def _new_user(area: Area) -> Call:
    body = {
        "username": f"u{uuid.uuid4().hex[:10]}",
        "password": "a-long-password",
        "role": "village_doctor",
        "township_id": str(area.township.id),
        "village_ids": [str(area.village.id)],
    }
    return Call("/api/v1/users", json=body)


def _users(area: Area) -> Call:
    return Call("/api/v1/users", listed_id=doctor_in(area).id)


def _user(area: Area) -> Call:
    return Call(f"/api/v1/users/{doctor_in(area).id}")


def _assign_villages(area: Area) -> Call:
    return Call(f"/api/v1/users/{doctor_in(area).id}", json={"village_ids": [str(area.village.id)]})


def _new_resident(area: Area) -> Call:
    body = {
        "name": "王芳",
        "sex": "F",
        "birth_date": "1955-03-02",
        "village_id": str(area.village.id),
        "sms_consent": True,
    }
    return Call("/api/v1/residents", json=body)


def _residents(area: Area) -> Call:
    return Call("/api/v1/residents?per_page=200", listed_id=resident_in(area).id)


def _resident(area: Area) -> Call:
    return Call(f"/api/v1/residents/{resident_in(area).id}")


def _rename_resident(area: Area) -> Call:
    return Call(f"/api/v1/residents/{resident_in(area).id}", json={"name": "李娜"})


EVERYONE_200 = by_role(200)
ADMIN_CREATES = by_role(403, county_admin=201)
# The village doctor's, township staff's and the desk's (through a referral) area; the admin's is all.
SEES_INSIDE = by_role(LISTED)
ONLY_ADMIN_LISTS = by_role(UNLISTED, county_admin=LISTED)

CASES = [
    Case("auth_api.issue_token", "POST", _sign_in, inside=EVERYONE_200),
    Case("auth_api.logout", "POST", _plain("/api/v1/auth/logout"), inside=EVERYONE_200),
    Case("auth_api.me", "GET", _plain("/api/v1/me"), inside=EVERYONE_200),
    Case("meta.openapi", "GET", _plain("/api/v1/openapi.json"), inside=EVERYONE_200),
    Case("meta.get_glossary", "GET", _plain("/api/v1/glossary"), inside=EVERYONE_200),
    Case("org_api.create_township", "POST", _new_township, inside=ADMIN_CREATES),
    Case(
        "org_api.list_townships",
        "GET",
        _townships,
        inside=by_role(LISTED, referral_desk=UNLISTED),
        outside=ONLY_ADMIN_LISTS,
    ),
    Case("org_api.create_village", "POST", _new_village, inside=ADMIN_CREATES, outside=ADMIN_CREATES),
    Case(
        "org_api.list_villages",
        "GET",
        _villages,
        inside=by_role(LISTED, referral_desk=UNLISTED),
        outside=ONLY_ADMIN_LISTS,
    ),
    Case("org_api.create_facility", "POST", _new_facility, inside=ADMIN_CREATES),
    # Anyone may refer to any county facility, so every role sees them all.
    Case("org_api.list_facilities", "GET", _facilities, inside=SEES_INSIDE, outside=SEES_INSIDE),
    Case("org_api.create_user", "POST", _new_user, inside=ADMIN_CREATES, outside=ADMIN_CREATES),
    Case(
        "org_api.list_users",
        "GET",
        _users,
        inside=by_role(UNLISTED, township_doctor=LISTED, township_manager=LISTED, county_admin=LISTED),
        outside=ONLY_ADMIN_LISTS,
    ),
    Case(
        "org_api.get_user",
        "GET",
        _user,
        inside=by_role(404, township_doctor=200, township_manager=200, county_admin=200),
        outside=by_role(404, county_admin=200),
    ),
    Case(
        "org_api.update_user",
        "PATCH",
        _assign_villages,
        inside=by_role(403, township_manager=200, county_admin=200),
        outside=by_role(403, township_manager=404, county_admin=200),
    ),
    Case(
        "residents_api.create_resident",
        "POST",
        _new_resident,
        inside=by_role(201, referral_desk=403),
        # A village outside the caller's area is a field error, worded as for an unknown village.
        outside=by_role(422, referral_desk=403, county_admin=201),
    ),
    Case("residents_api.list_residents", "GET", _residents, inside=SEES_INSIDE, outside=ONLY_ADMIN_LISTS),
    Case(
        "residents_api.get_resident",
        "GET",
        _resident,
        inside=EVERYONE_200,
        outside=by_role(404, county_admin=200),
    ),
    Case(
        "residents_api.update_resident",
        "PATCH",
        _rename_resident,
        inside=by_role(200, referral_desk=403),
        outside=by_role(404, referral_desk=403, county_admin=200),
    ),
]
