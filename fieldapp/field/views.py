"""The field PWA at ``/field/``: the app shell, its manifest, service worker and strings."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale, pgettext

from fieldapp.auth.context import csrf_token
from fieldapp.auth.schemas import UserSchema
from fieldapp.auth.views import FIELD_ROLES
from fieldapp.errors import UnauthenticatedError
from fieldapp.field.strings import JS_STRINGS
from fieldapp.i18n import LOCALES

bp = Blueprint("field", __name__, url_prefix="/field")

THEME_COLOR = "#05612f"
BACKGROUND_COLOR = "#ffffff"
# What the service worker caches: a change to any of these files makes a new shell version.
SHELL_SOURCES = ("static/field", "static/css/base.css", "templates/field", "templates/base.html")
ICON_SIZES = (192, 512)


@lru_cache(maxsize=4)
def _hash_sources(root: str) -> str:
    digest = hashlib.sha256()
    for source in SHELL_SOURCES:
        path = Path(root) / source
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def shell_version() -> str:
    """A short hash of the app shell's files: the service worker's cache version."""
    root = str(Path(current_app.root_path).parent)
    if current_app.debug:
        _hash_sources.cache_clear()
    return _hash_sources(root)


def _no_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def shell() -> ResponseReturnValue:
    """The app shell; sign-in first, and only for village and township doctors."""
    user = g.get("user")
    if user is None:
        return redirect(url_for("auth_views.login_form", next=url_for("field.shell")))
    if user.role not in FIELD_ROLES:
        return redirect(url_for("auth_views.index"))
    body = render_template(
        "field/shell.html",
        sw_url=url_for("field.service_worker", v=shell_version()),
        theme_color=THEME_COLOR,
    )
    return _no_cache(Response(body, mimetype="text/html"))


@bp.get("/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    """The web app manifest that lets Chrome on Android install the app."""
    lang = "en" if str(get_locale()) == "en" else "zh-CN"
    body = {
        "name": pgettext("field", "Village follow-up"),
        "short_name": pgettext("field", "Follow-up"),
        "description": pgettext("field", "Chronic-disease follow-up, patrols and referrals"),
        "lang": lang,
        "start_url": url_for("field.shell"),
        "scope": url_for("field.shell"),
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {
                "src": url_for("static", filename=f"field/icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in ICON_SIZES
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return _no_cache(response)


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """The service worker, served under /field/ so that its scope is the app."""
    path = Path(current_app.root_path).parent / "static" / "field" / "sw.js"
    response = Response(path.read_text(encoding="utf-8"), mimetype="text/javascript")
    return _no_cache(response)


@bp.get("/i18n.json")
def strings() -> ResponseReturnValue:
    """The JavaScript's strings in ``?lang=`` (zh or en), else the request's language."""
    lang = request.args.get("lang")
    with force_locale(lang if lang in LOCALES else str(get_locale())):
        table = {key: str(text) for key, text in JS_STRINGS.items()}
    return _no_cache(jsonify(table))


@bp.get("/session.json")
def session_info() -> ResponseReturnValue:
    """The signed-in user and the session's CSRF token (a cached shell page may hold an older one)."""
    user = g.get("user")
    if user is None:
        raise UnauthenticatedError(pgettext("field", "Sign in first."))
    response = jsonify({"csrf": csrf_token(), "user": UserSchema().dump(user)})
    response.headers["Cache-Control"] = "no-store"
    return response
