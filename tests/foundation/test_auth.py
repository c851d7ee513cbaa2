"""Signing in and out with bearer tokens, token expiry, inactive users, failed-sign-in limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fieldapp.auth.models import ApiToken, Role
from fieldapp.extensions import db
from fieldapp.timeutil import utcnow
from tests.builders import PASSWORD, create_facility, create_township, create_user, create_village

ACCOUNT_LIMIT = 5  # config default: 5 failed attempts per account per 15 minutes
ADDRESS_LIMIT = 20  # ... and 20 per address


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, **environ: str) -> TestResponse:
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_overrides=environ or None,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_answers_token_expiry_and_the_user_object(client: FlaskClient) -> None:
    township = create_township()
    village = create_village(township)
    user = create_user(Role.VILLAGE_DOCTOR, username="li", township=township, villages=[village])

    response = sign_in(client, "li")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token", "expires_at", "user"}
    assert body["expires_at"].endswith("+08:00")
    assert {"id", "username", "role", "township_id", "village_ids", "facility_id"} <= set(body["user"])
    assert body["user"]["id"] == str(user.id)
    assert body["user"]["role"] == "village_doctor"
    assert body["user"]["township_id"] == str(township.id)
    assert body["user"]["village_ids"] == [str(village.id)]
    assert body["user"]["facility_id"] is None
    assert "password" not in response.get_data(as_text=True)
    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.get_json() == body["user"]


def test_tokens_are_stored_only_as_hashes(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = sign_in(client, "boss").get_json()["token"]
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert stored and token not in stored


def test_referral_desk_user_carries_its_facility(client: FlaskClient) -> None:
    facility = create_facility()
    create_user(Role.REFERRAL_DESK, username="desk", facility=facility)
    assert sign_in(client, "desk").get_json()["user"]["facility_id"] == str(facility.id)


@pytest.mark.parametrize(("username", "password"), [("li", "wrong password"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_invalid_credentials(client: FlaskClient, username: str, password: str) -> None:
    create_user(Role.COUNTY_ADMIN, username="li")
    response = sign_in(client, username, password)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_missing_fields_are_a_validation_error(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "li"})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic bGk6cHc="},
        {"Authorization": "Bearer "},
    ],
)
def test_no_or_bad_credentials_are_unauthenticated(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_expired_token_is_token_expired(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = sign_in(client, "boss").get_json()["token"]
    db.session.execute(db.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"


def test_tokens_live_for_the_configured_hours(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    sign_in(client, "boss")
    token = db.session.scalars(db.select(ApiToken)).one()
    assert abs(token.expires_at - token.created_at - timedelta(hours=12)) < timedelta(seconds=5)


def test_logout_revokes_the_token_and_no_other(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    first = sign_in(client, "boss").get_json()["token"]
    second = sign_in(client, "boss").get_json()["token"]

    assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 200

    again = client.get("/api/v1/me", headers=bearer(first))
    assert again.status_code == 401
    assert again.get_json()["error"]["code"] == "unauthenticated"
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_an_inactive_user_cannot_sign_in_and_their_tokens_stop_working(client: FlaskClient) -> None:
    user = create_user(Role.COUNTY_ADMIN, username="boss")
    token = sign_in(client, "boss").get_json()["token"]
    user.active = False
    db.session.commit()

    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    response = sign_in(client, "boss")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_failed_sign_ins_are_limited_per_account(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    create_user(Role.COUNTY_ADMIN, username="other")
    for _ in range(ACCOUNT_LIMIT):
        assert sign_in(client, "boss", "wrong").status_code == 401

    blocked = sign_in(client, "BOSS", "wrong")
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    # Past the limit the right password waits at this address; other accounts here do not,
    # and the account's owner signs in from their own desk (an attacker cannot lock them out).
    assert sign_in(client, "boss").status_code == 429
    assert sign_in(client, "other").status_code == 200
    assert sign_in(client, "boss", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_failed_sign_ins_are_limited_per_address(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    for n in range(ADDRESS_LIMIT):
        assert sign_in(client, f"guess{n}", "wrong").status_code == 401

    assert sign_in(client, "boss").status_code == 429
    assert sign_in(client, "boss", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_successful_sign_ins_never_count(client: FlaskClient) -> None:
    township = create_township()
    for n in range(ADDRESS_LIMIT + 1):
        create_user(Role.TOWNSHIP_DOCTOR, username=f"doc{n}", township=township)
    # A township office behind one address: everyone signs in, all day.
    for n in range(ADDRESS_LIMIT + 1):
        assert sign_in(client, f"doc{n}").status_code == 200
    for _ in range(ACCOUNT_LIMIT):
        assert sign_in(client, "doc0").status_code == 200
    for _ in range(ACCOUNT_LIMIT - 1):
        assert sign_in(client, "doc0", "wrong").status_code == 401
    assert sign_in(client, "doc0").status_code == 200


def test_failures_on_the_login_form_count_towards_the_same_account_limit(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    for _ in range(ACCOUNT_LIMIT):
        assert client.post("/login", data={"username": "boss", "password": "wrong"}).status_code == 401
    assert sign_in(client, "boss").status_code == 429


def test_limits_are_kept_in_the_database_shared_by_every_process(make_app: Callable[..., Flask]) -> None:
    # Two app instances stand for two worker processes: each counts the other's failures.
    first, second = make_app(), make_app()
    with first.app_context():
        create_user(Role.COUNTY_ADMIN, username="boss")
    clients = [first.test_client(), second.test_client()]
    for n in range(ACCOUNT_LIMIT):
        assert sign_in(clients[n % 2], "boss", "wrong").status_code == 401
    assert sign_in(clients[0], "boss").status_code == 429
    assert sign_in(clients[1], "boss").status_code == 429


def test_sign_in_needs_no_redis(make_app: Callable[..., Flask]) -> None:
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    with down.app_context():
        create_user(Role.COUNTY_ADMIN, username="boss")
        client = down.test_client()
        assert sign_in(client, "boss", "wrong").status_code == 401
        assert sign_in(client, "boss").status_code == 200


def test_limits_are_read_at_start(make_app: Callable[..., Flask]) -> None:
    from fieldapp.auth.throttle import parse_limit
    from fieldapp.config import ConfigError

    assert parse_limit("5 per 15 minutes") == parse_limit("5/15 minute")
    assert parse_limit("20 per hour").window == timedelta(hours=1)
    with pytest.raises(ConfigError):
        make_app(LOGIN_FAILURES_PER_ACCOUNT="five a day")
