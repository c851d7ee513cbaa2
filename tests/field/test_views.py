"""The field app's pages: shell, manifest, service worker, strings, and the shell's size."""

from __future__ import annotations

import gzip
import re
import struct
from pathlib import Path

from flask.testing import FlaskClient

from fieldapp import SECURITY_HEADERS
from fieldapp.auth.models import Role, User
from fieldapp.field.strings import JS_STRINGS
from tests.builders import create_township, create_user, create_village
from tests.field.helpers import CSRF, sign_in

ROOT = Path(__file__).resolve().parents[2]
JS_DIR = ROOT / "static" / "field" / "js"
SHELL_BUDGET_BYTES = 200 * 1024


def _doctor(role: Role = Role.VILLAGE_DOCTOR) -> User:
    township = create_township()
    return create_user(role, township=township, villages=[create_village(township)])


def test_shell_sends_anyone_signed_out_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/field/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/field/"


def test_shell_is_for_doctors_only(client: FlaskClient) -> None:
    sign_in(client, create_user(Role.COUNTY_ADMIN))
    response = client.get("/field/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_shell_loads_the_app_without_inline_script_or_style(client: FlaskClient) -> None:
    sign_in(client, _doctor())
    response = client.get("/field/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    assert f'<meta name="csrf-token" content="{CSRF}">' in page
    assert '<html lang="zh-CN">' in page
    assert 'rel="manifest" href="/field/manifest.webmanifest"' in page
    assert re.search(r'data-sw="/field/sw.js\?v=[0-9a-f]{12}"', page)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts == [(' type="module" src="/static/field/js/app.js"', "")]
    assert "style=" not in page and "<style" not in page


def test_shell_follows_the_chosen_language(client: FlaskClient) -> None:
    sign_in(client, _doctor(Role.TOWNSHIP_DOCTOR))
    client.get("/lang/en")
    page = client.get("/field/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "<title>Village follow-up</title>" in page


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_manifest_makes_the_app_installable(client: FlaskClient) -> None:
    response = client.get("/field/manifest.webmanifest")
    manifest = response.get_json(force=True)
    assert response.mimetype == "application/manifest+json"
    assert manifest["name"] == "村医随访"
    assert manifest["short_name"] == "随访"
    assert manifest["lang"] == "zh-CN"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/field/",
        "/field/",
        "standalone",
    )
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        width, height = _png_size(ROOT / icon["src"].lstrip("/"))
        assert f"{width}x{height}" == icon["sizes"]
        assert client.get(icon["src"]).status_code == 200


def test_service_worker_is_served_under_the_app_scope(client: FlaskClient) -> None:
    response = client.get("/field/sw.js?v=abc")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert 'addEventListener("fetch"' in response.get_data(as_text=True)


def test_service_worker_caches_every_module_of_the_app(client: FlaskClient) -> None:
    source = client.get("/field/sw.js").get_data(as_text=True)
    listed = set(re.findall(r'"(\w+)"', re.search(r"const MODULES = \[(.*?)\];", source).group(1)))  # type: ignore[union-attr]
    assert listed == {path.stem for path in JS_DIR.glob("*.js")}
    for asset in re.findall(r'"(/static/[^"]+)"', source):
        assert client.get(asset).status_code == 200, asset


def test_strings_come_in_both_languages(client: FlaskClient) -> None:
    zh = client.get("/field/i18n.json?lang=zh").get_json()
    en = client.get("/field/i18n.json?lang=en").get_json()
    assert set(zh) == set(en) == set(JS_STRINGS)
    assert (zh["nav_today"], en["nav_today"]) == ("今日", "Today")
    untranslated = sorted(key for key in zh if zh[key] == en[key])
    assert untranslated == []
    assert zh["days_overdue"] == "逾期{n}天"


def test_strings_are_chinese_by_default(client: FlaskClient) -> None:
    assert client.get("/field/i18n.json").get_json()["nav_today"] == "今日"


def test_strings_follow_the_browser_language(client: FlaskClient) -> None:
    english = client.get("/field/i18n.json", headers={"Accept-Language": "en"})
    assert english.get_json()["nav_today"] == "Today"


def test_every_string_the_javascript_asks_for_is_in_the_catalog() -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in JS_DIR.glob("*.js"))
    asked = set(re.findall(r'\bt\("(\w+)"', source)) | set(re.findall(r'"(nav_\w+)"', source))
    assert asked - set(JS_STRINGS) == set()


def test_session_gives_the_current_csrf_token(client: FlaskClient) -> None:
    assert client.get("/field/session.json", headers={"Accept": "application/json"}).status_code == 401
    doctor = _doctor()
    sign_in(client, doctor)
    body = client.get("/field/session.json").get_json()
    assert body["csrf"] == CSRF
    assert body["user"]["id"] == str(doctor.id)


def test_first_load_of_the_shell_stays_under_budget(client: FlaskClient) -> None:
    sign_in(client, _doctor())
    urls = ["/field/", "/field/manifest.webmanifest", "/field/i18n.json", "/static/css/base.css"]
    urls += ["/static/field/field.css", *(f"/static/field/js/{path.name}" for path in JS_DIR.glob("*.js"))]
    compressed = sum(len(gzip.compress(client.get(url).get_data())) for url in urls)
    assert compressed < SHELL_BUDGET_BYTES
