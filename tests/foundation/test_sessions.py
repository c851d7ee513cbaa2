"""Cookie sign-in at /login for the web pages, and CSRF protection of cookie-authenticated writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from tests.builders import PASSWORD, create_township, create_user, create_village


def form_token(client: FlaskClient) -> str:
    """The CSRF token the sign-in page puts in its form, as a browser would submit it."""
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the sign-in form carries a csrf_token field"
    return match.group(1)


def signed_in_client(client: FlaskClient, username: str) -> str:
    """Sign ``client`` in through the form; the new session's CSRF token (a page's meta tag carries it)."""
    token = form_token(client)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    fresh = form_token(client)
    assert fresh != token, "signing in starts a new session with a new token"
    return fresh


def resident_body() -> dict[str, object]:
    village = create_village(create_township())
    return {
        "name": "王芳",
        "sex": "F",
        "birth_date": "1955-03-02",
        "village_id": str(village.id),
        "sms_consent": True,
    }


def test_the_sign_in_page_has_a_username_and_password_form(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'method="post"' in html


def test_signing_in_sends_each_role_home_and_me_works_with_the_cookie(client: FlaskClient) -> None:
    township = create_township()
    create_user(Role.VILLAGE_DOCTOR, username="li", township=township)
    create_user(Role.TOWNSHIP_MANAGER, username="zhao", township=township)

    token = form_token(client)
    response = client.post("/login", data={"username": "li", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/field/"
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.get_json()["username"] == "li"

    other = client.application.test_client()
    signed_in_client(other, "zhao")
    assert other.get("/").headers["Location"] == "/console/"


def test_a_script_may_post_just_username_and_password(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    response = client.post("/login", data={"username": "boss", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 200


def test_a_sign_in_posted_from_another_site_is_refused(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    data = {"username": "boss", "password": PASSWORD}
    forged = client.post("/login", data=data, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    assert client.post("/login", data={**data, "csrf_token": "guessed"}).status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password_shows_the_form_again(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = form_token(client)
    response = client.post("/login", data={"username": "boss", "password": "nope", "csrf_token": token})
    assert response.status_code == 401
    assert 'name="password"' in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_login_redirects_only_within_the_site(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = form_token(client)
    data = {"username": "boss", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data={**data, "next": "/console/x"}).headers["Location"] == "/console/x"
    other = client.application.test_client()
    token = form_token(other)
    data["csrf_token"] = token
    assert other.post("/login", data={**data, "next": "//evil.example/"}).headers["Location"] == "/console/"
    for target in ("/\\evil.example/", "/\\/evil.example/", "/\t/evil.example/", "https://evil.example/"):
        browser = client.application.test_client()
        data["csrf_token"] = form_token(browser)
        assert browser.post("/login", data={**data, "next": target}).headers["Location"] == "/console/", (
            target
        )


def test_cookie_writes_need_the_csrf_token(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = signed_in_client(client, "boss")
    body = resident_body()

    refused = client.post("/api/v1/residents", json=body)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    wrong = client.post("/api/v1/residents", json=body, headers={"X-CSRF-Token": "guessed"})
    assert wrong.status_code == 403

    accepted = client.post("/api/v1/residents", json=body, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201


def test_the_csrf_token_may_come_as_a_form_field(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = signed_in_client(client, "boss")
    assert client.post("/api/v1/auth/logout", data={}).status_code == 403
    assert client.post("/api/v1/auth/logout", data={"csrf_token": token}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_bearer_writes_need_no_csrf_token(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = client.post("/api/v1/auth/token", json={"username": "boss", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.post("/api/v1/residents", json=resident_body(), headers=headers).status_code == 201


def test_the_logout_form_ends_the_session(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = signed_in_client(client, "boss")
    assert client.post("/logout", data={}).status_code == 403
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_the_session_cookie_is_http_only_and_same_site(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = form_token(client)
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replayed(client: FlaskClient, cookie: str) -> FlaskClient:
    """A fresh browser holding an old copy of the session cookie."""
    other = client.application.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_cookie_replayed_after_logout_is_refused_for_good(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = signed_in_client(client, "boss")
    stolen = _session_cookie(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    thief = _replayed(client, stolen)
    assert thief.get("/api/v1/me").status_code == 401
    write = thief.post("/api/v1/residents", json=resident_body(), headers={"X-CSRF-Token": token})
    assert write.status_code == 401
    page = thief.get("/console/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    # Signing in again works, with a new cookie; the old one stays dead.
    signed_in_client(client, "boss")
    assert client.get("/api/v1/me").status_code == 200
    assert _replayed(client, stolen).get("/api/v1/me").status_code == 401


def test_the_api_logout_ends_a_cookie_session_for_good(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = signed_in_client(client, "boss")
    stolen = _session_cookie(client)
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 200
    assert _replayed(client, stolen).get("/api/v1/me").status_code == 401


def _bearer(client: FlaskClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_a_password_reset_ends_every_session_and_token(client: FlaskClient) -> None:
    admin = create_user(Role.COUNTY_ADMIN, username="boss")
    doctor = create_user(Role.TOWNSHIP_DOCTOR, username="wang", township=create_township())
    browser = client.application.test_client()
    signed_in_client(browser, "wang")
    token = _bearer(client, "wang")
    admin_headers = _bearer(client, admin.username)

    reset = client.patch(
        f"/api/v1/users/{doctor.id}", json={"password": "a-new-password"}, headers=admin_headers
    )
    assert reset.status_code == 200
    assert browser.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(client, "wang", "a-new-password")).status_code == 200
    assert client.get("/api/v1/me", headers=admin_headers).status_code == 200  # the admin's own go on


def test_deactivation_ends_sessions_and_tokens_and_reactivation_does_not_revive_them(
    client: FlaskClient,
) -> None:
    admin = create_user(Role.COUNTY_ADMIN, username="boss")
    doctor = create_user(Role.TOWNSHIP_DOCTOR, username="wang", township=create_township())
    browser = client.application.test_client()
    signed_in_client(browser, "wang")
    token = _bearer(client, "wang")
    admin_headers = _bearer(client, admin.username)

    for active in (False, True):
        changed = client.patch(f"/api/v1/users/{doctor.id}", json={"active": active}, headers=admin_headers)
        assert changed.status_code == 200
    assert browser.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(client, "wang")).status_code == 200


def test_a_session_lasts_as_long_as_a_token(client: FlaskClient) -> None:
    app = client.application
    assert app.config["SESSION_TTL_HOURS"] == app.config["TOKEN_TTL_HOURS"] == 12
    assert app.permanent_session_lifetime == timedelta(hours=12)
    create_user(Role.COUNTY_ADMIN, username="boss")
    token = form_token(client)
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", response.headers["Set-Cookie"]).group(1))  # type: ignore[union-attr]
    assert expires - datetime.now(UTC) <= timedelta(hours=12, minutes=1)


def test_a_cross_site_sign_in_with_an_empty_token_is_refused(client: FlaskClient) -> None:
    create_user(Role.COUNTY_ADMIN, username="attacker")
    # A page elsewhere posts the attacker's credentials with csrf_token= to a browser without a session.
    forged = client.post("/login", data={"username": "attacker", "password": PASSWORD, "csrf_token": ""})
    assert forged.status_code == 403
    assert client.get("/api/v1/me").status_code == 401
    cross_site = client.post(
        "/login",
        data={"username": "attacker", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_ends_12_hours_after_sign_in_however_busy(client: FlaskClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    create_user(Role.COUNTY_ADMIN, username="boss")
    signed_in_client(client, "boss")
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 11 * 3600)
    assert client.get("/api/v1/me").status_code == 200
    monkeypatch.setattr(time, "time", lambda: start + 12 * 3600 + 1)
    assert client.get("/api/v1/me").status_code == 401
