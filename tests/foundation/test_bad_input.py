"""Bad input on every write endpoint of the foundation answers its status and the envelope."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from fieldapp.auth.models import Role, User
from fieldapp.org.models import Township, Village
from tests.builders import (
    PASSWORD,
    auth_headers,
    create_facility,
    create_resident,
    create_township,
    create_user,
    create_village,
)

UNKNOWN = str(uuid.uuid4())


@dataclass(frozen=True)
class Place:
    """A township with a village, an admin to call as, a doctor and a resident to change."""

    township: Township
    village: Village
    doctor: User
    headers: dict[str, str]
    resident_id: str


@pytest.fixture
def place(app: Any) -> Place:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    admin = create_user(Role.COUNTY_ADMIN)
    resident = create_resident(village)
    return Place(township, village, doctor, auth_headers(admin), str(resident.id))


@dataclass(frozen=True)
class Write:
    """A write endpoint: method, path and a valid body, both built for a place."""

    name: str
    method: str
    path: Callable[[Place], str]
    body: Callable[[Place], dict[str, Any]]


def _code() -> str:
    return f"C{uuid.uuid4().hex[:8]}"


WRITES = [
    Write("token", "POST", lambda p: "/api/v1/auth/token", lambda p: {"username": "x", "password": "y"}),
    Write("township", "POST", lambda p: "/api/v1/townships", lambda p: {"code": _code(), "name": "新镇"}),
    Write(
        "village",
        "POST",
        lambda p: "/api/v1/villages",
        lambda p: {"code": _code(), "name": "新村", "township_id": str(p.township.id)},
    ),
    Write(
        "facility",
        "POST",
        lambda p: "/api/v1/facilities",
        lambda p: {"code": _code(), "name": "县中医院", "kind": "county_hospital", "phone": "0731-88886666"},
    ),
    Write(
        "user",
        "POST",
        lambda p: "/api/v1/users",
        lambda p: {
            "username": f"u{_code()}",
            "password": "a-long-password",
            "role": "village_doctor",
            "township_id": str(p.township.id),
            "village_ids": [str(p.village.id)],
        },
    ),
    Write("user_patch", "PATCH", lambda p: f"/api/v1/users/{p.doctor.id}", lambda p: {"name": "孙医生"}),
    Write(
        "resident",
        "POST",
        lambda p: "/api/v1/residents",
        lambda p: {
            "name": "王芳",
            "sex": "F",
            "birth_date": "1955-03-02",
            "village_id": str(p.village.id),
            "sms_consent": True,
        },
    ),
    Write(
        "resident_patch", "PATCH", lambda p: f"/api/v1/residents/{p.resident_id}", lambda p: {"name": "李娜"}
    ),
]
BY_NAME = {write.name: write for write in WRITES}


def send(client: FlaskClient, place: Place, write: Write, **kwargs: Any) -> Any:
    return client.open(write.path(place), method=write.method, headers=place.headers, **kwargs)


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        assert field in error["fields"], error


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_the_valid_body_is_accepted(client: FlaskClient, place: Place, write: Write) -> None:
    response = send(client, place, write, json=write.body(place))
    expected = 401 if write.name == "token" else (200 if write.method == "PATCH" else 201)
    assert response.status_code == expected, response.get_data(as_text=True)


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_malformed_json_is_bad_request(client: FlaskClient, place: Place, write: Write) -> None:
    response = send(client, place, write, data='{"name": ', content_type="application/json")
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_a_form_body_is_bad_request(client: FlaskClient, place: Place, write: Write) -> None:
    response = send(client, place, write, data={"name": "王芳"})
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_json_with_the_wrong_content_type_is_bad_request(
    client: FlaskClient, place: Place, write: Write
) -> None:
    response = send(client, place, write, data=json.dumps(write.body(place)), content_type="text/plain")
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_a_json_array_is_bad_request(client: FlaskClient, place: Place, write: Write) -> None:
    assert_error(send(client, place, write, json=[write.body(place)]), 400, "bad_request")


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_an_oversized_body_is_payload_too_large(client: FlaskClient, place: Place, write: Write) -> None:
    body = {**write.body(place), "notes": "x" * (5 * 1024 * 1024)}
    assert_error(send(client, place, write, json=body), 413, "payload_too_large")


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_an_unknown_field_is_named(client: FlaskClient, place: Place, write: Write) -> None:
    body = {**write.body(place), "colour": "blue"}
    assert_error(send(client, place, write, json=body), 422, "validation_error", "colour")


# (endpoint, changes to its valid body, the field the 422 names)
FIELD_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("token", {"username": None}, "username"),
    ("token", {"password": 12345}, "password"),
    ("token", {"username": ""}, "username"),
    ("township", {"code": None}, "code"),
    ("township", {"code": "has spaces"}, "code"),
    ("township", {"code": 42}, "code"),
    ("township", {"name": ""}, "name"),
    ("township", {"name": "镇" * 121}, "name"),
    ("township", {"id": "not-a-uuid"}, "id"),
    ("village", {"township_id": "not-a-uuid"}, "township_id"),
    ("village", {"township_id": UNKNOWN}, "township_id"),
    ("village", {"name": ["a list"]}, "name"),
    ("facility", {"kind": "clinic"}, "kind"),
    ("facility", {"phone": "12345"}, "phone"),
    ("facility", {"phone": "not a phone"}, "phone"),
    ("user", {"role": "doctor"}, "role"),
    ("user", {"password": "short"}, "password"),
    ("user", {"username": "has spaces"}, "username"),
    ("user", {"township_id": None}, "township_id"),
    ("user", {"township_id": UNKNOWN}, "township_id"),
    ("user", {"village_ids": [UNKNOWN]}, "village_ids"),
    ("user", {"village_ids": "not-a-list"}, "village_ids"),
    ("user", {"role": "referral_desk", "township_id": None, "village_ids": []}, "facility_id"),
    ("user", {"role": "referral_desk", "facility_id": UNKNOWN}, "facility_id"),
    ("user", {"phone": "12345"}, "phone"),
    ("user_patch", {"role": "doctor"}, "role"),
    ("user_patch", {"active": "maybe"}, "active"),
    ("user_patch", {"username": "renamed"}, "username"),
    ("user_patch", {"village_ids": [UNKNOWN]}, "village_ids"),
    ("user_patch", {"phone": "12345"}, "phone"),
    ("resident", {"name": None}, "name"),
    ("resident", {"name": ""}, "name"),
    ("resident", {"name": 123}, "name"),
    ("resident", {"sex": "X"}, "sex"),
    ("resident", {"birth_date": "1960-13-01"}, "birth_date"),
    ("resident", {"birth_date": "01/02/1960"}, "birth_date"),
    ("resident", {"birth_date": "2999-01-01"}, "birth_date"),
    ("resident", {"birth_date": 19600101}, "birth_date"),
    ("resident", {"village_id": UNKNOWN}, "village_id"),
    ("resident", {"village_id": "village-1"}, "village_id"),
    ("resident", {"household_id": "household-1"}, "household_id"),
    ("resident", {"phone": "12345"}, "phone"),
    ("resident", {"phone": "+86 139"}, "phone"),
    ("resident", {"id_number": "110101196005010010"}, "id_number"),  # wrong check digit
    ("resident", {"id_number": "11010119600501001"}, "id_number"),  # 17 characters
    ("resident", {"id_number": "ABCDEFGHIJKLMNOPQR"}, "id_number"),
    ("resident", {"sms_consent": "sure"}, "sms_consent"),
    ("resident", {"sms_consent": None}, "sms_consent"),
    ("resident", {"language": "fr"}, "language"),
    ("resident", {"id": "not-a-uuid"}, "id"),
    ("resident_patch", {"name": None}, "name"),
    ("resident_patch", {"birth_date": "yesterday"}, "birth_date"),
    ("resident_patch", {"phone": "12345"}, "phone"),
    ("resident_patch", {"id_number": "110101196005010010"}, "id_number"),
    ("resident_patch", {"village_id": UNKNOWN}, "village_id"),
    ("resident_patch", {"sms_consent": None}, "sms_consent"),
    ("resident_patch", {"id": UNKNOWN}, "id"),
]


@pytest.mark.parametrize(
    ("name", "changes", "field"), FIELD_ERRORS, ids=[f"{n}-{f}" for n, _c, f in FIELD_ERRORS]
)
def test_a_bad_field_is_a_validation_error_naming_it(
    client: FlaskClient, place: Place, name: str, changes: dict[str, Any], field: str
) -> None:
    write = BY_NAME[name]
    body = {k: v for k, v in {**write.body(place), **changes}.items() if not (k == "username" and v is None)}
    if name == "user" and "facility_id" in changes:
        body["facility_id"] = changes["facility_id"]
    assert_error(send(client, place, write, json=body), 422, "validation_error", field)


@pytest.mark.parametrize("name", ["township", "village", "facility", "user", "resident"])
def test_each_missing_required_field_is_named(client: FlaskClient, place: Place, name: str) -> None:
    write = BY_NAME[name]
    required = {
        "township": {"code", "name"},
        "village": {"code", "name", "township_id"},
        "facility": {"code", "name"},
        "user": {"username", "password", "role"},
        "resident": {"name", "sex", "birth_date", "village_id", "sms_consent"},
    }[name]
    response = send(client, place, write, json={})
    assert_error(response, 422, "validation_error")
    assert required <= set(response.get_json()["error"]["fields"])


@pytest.mark.parametrize("name", ["user_patch", "resident_patch"])
def test_changing_an_unknown_record_is_not_found(client: FlaskClient, place: Place, name: str) -> None:
    write = BY_NAME[name]
    path = write.path(place).rsplit("/", 1)[0] + f"/{UNKNOWN}"
    response = client.open(path, method="PATCH", headers=place.headers, json=write.body(place))
    assert_error(response, 404, "not_found")


def test_a_malformed_id_in_the_path_is_not_found(client: FlaskClient, place: Place) -> None:
    response = client.patch("/api/v1/residents/not-a-uuid", headers=place.headers, json={"name": "李娜"})
    assert_error(response, 404, "not_found")


def test_a_taken_username_or_code_is_a_conflict(client: FlaskClient, place: Place) -> None:
    create_user(Role.COUNTY_ADMIN, username="taken")
    user = {**BY_NAME["user"].body(place), "username": "taken"}
    assert_error(client.post("/api/v1/users", headers=place.headers, json=user), 409, "conflict")
    township = {"code": place.township.code, "name": "重名镇"}
    assert_error(client.post("/api/v1/townships", headers=place.headers, json=township), 409, "conflict")
    facility = create_facility()
    body = {"code": facility.code, "name": "另一家"}
    assert_error(client.post("/api/v1/facilities", headers=place.headers, json=body), 409, "conflict")


def test_user_villages_must_lie_in_the_users_township(client: FlaskClient, place: Place) -> None:
    elsewhere = create_village(create_township())
    body = {**BY_NAME["user"].body(place), "village_ids": [str(elsewhere.id)]}
    assert_error(
        client.post("/api/v1/users", headers=place.headers, json=body), 422, "validation_error", "village_ids"
    )


def test_query_parameters_are_checked(client: FlaskClient, place: Place) -> None:
    for query, field in [
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("page=x", "page"),
        ("page=0", "page"),
        ("village_id=v1", "village_id"),
    ]:
        response = client.get(f"/api/v1/residents?{query}", headers=place.headers)
        assert_error(response, 422, "validation_error", field)
    response = client.get("/api/v1/villages?township_id=t1", headers=place.headers)
    assert_error(response, 422, "validation_error", "township_id")


def test_sign_in_password_is_not_echoed(client: FlaskClient, place: Place) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "x", "password": PASSWORD})
    assert PASSWORD not in response.get_data(as_text=True)


def test_a_user_with_null_village_ids_has_none(client: FlaskClient, place: Place) -> None:
    body = {"username": "admin2", "password": "a-long-password", "role": "county_admin", "village_ids": None}
    response = client.post("/api/v1/users", headers=place.headers, json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["village_ids"] == []


UNSTORABLE = ["王\x00芳", "王\ud800芳"]  # a NUL (PostgreSQL cannot store it) and a lone surrogate (not UTF-8)


def _raw_json(body: Any, spelling: str = "escapes") -> dict[str, Any]:
    """A body as a client may send it: JSON with \\u escapes, in capitals, or UTF-8 (a lone
    surrogate then as its own three bytes, which Python's json reads back as the surrogate)."""
    if spelling == "utf-8":
        data: Any = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    else:
        data = json.dumps(body)
        if spelling == "capital escapes":
            data = data.replace("\\ud800", "\\uD800")
    return {"data": data, "content_type": "application/json"}


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
@pytest.mark.parametrize("spelling", ["escapes", "capital escapes", "utf-8"])
@pytest.mark.parametrize("text", UNSTORABLE, ids=["nul", "surrogate"])
def test_text_that_cannot_be_stored_is_named_field_by_field(
    client: FlaskClient, place: Place, write: Write, text: str, spelling: str
) -> None:
    body = write.body(place)
    strings = [name for name, value in body.items() if isinstance(value, str) and name != "village_id"]
    response = send(client, place, write, **_raw_json({**body, **{name: text for name in strings}}, spelling))
    assert_error(response, 422, "validation_error")
    assert set(response.get_json()["error"]["fields"]) == set(strings)


def test_no_write_endpoint_answers_500_to_unstorable_text(client: FlaskClient, place: Place) -> None:
    app = client.application
    body = {
        "name": "\x00",
        "note": "\ud800",
        "reason": "\x00",
        "records": [{"type": "resident", "data": {"name": "\x00"}}],
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<uuid:{argument}>", place.resident_id).replace(f"<{argument}>", "x")
        for method in sorted((rule.methods or set()) & {"POST", "PATCH", "PUT", "DELETE"}):
            response = client.open(path, method=method, headers=place.headers, **_raw_json(body))
            assert response.status_code < 500, (method, path, response.get_data(as_text=True))


def test_a_nul_in_a_query_is_a_validation_error_not_a_500(client: FlaskClient, place: Place) -> None:
    for path in ("/api/v1/residents?q=%00", "/api/v1/residents?q=ab%00cd", "/api/v1/queue?status=%00"):
        assert_error(
            client.get(path, headers=place.headers), 422, "validation_error", path.split("?")[1].split("=")[0]
        )


def _nested(levels: int) -> Any:
    return json.loads("[" * levels + "]" * levels)


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_json_nested_deeper_than_32_levels_is_a_bad_request(
    client: FlaskClient, place: Place, write: Write
) -> None:
    too_deep = [
        json.dumps({**write.body(place), "name": _nested(32)}),  # the body object and 32 lists: 33 levels
        "[" * 100_000 + "]" * 100_000,  # once a RecursionError: a 500
    ]
    for raw in too_deep:
        response = send(client, place, write, data=raw, content_type="application/json")
        assert_error(response, 400, "bad_request")
        assert "32" in response.get_json()["error"]["message"]
    # 32 levels are still JSON that is read (and, here, refused for what the field holds).
    response = send(client, place, write, json={**write.body(place), "name": _nested(31)})
    assert response.status_code in (401, 422)


def test_times_without_an_offset_are_refused(client: FlaskClient, place: Place) -> None:
    from fieldapp.extensions import db
    from fieldapp.residents.models import Resident
    from tests.followups.builders import create_enrollment

    create_enrollment(db.session.get(Resident, uuid.UUID(place.resident_id)))
    body = {
        "resident_id": place.resident_id,
        "condition": "hypertension",
        "performed_at": "2026-11-22T09:30:00",
        "mode": "clinic",
        "sbp": 130,
        "dbp": 80,
    }
    response = client.post("/api/v1/followups", json=body, headers=place.headers)
    assert_error(response, 422, "validation_error", "performed_at")
    assert "offset" in response.get_json()["error"]["fields"]["performed_at"][0]
    body["performed_at"] = "2026-11-22T09:30:00+08:00"
    assert client.post("/api/v1/followups", json=body, headers=place.headers).status_code == 201
