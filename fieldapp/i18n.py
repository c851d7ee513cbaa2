"""Languages: Chinese by default, English on request."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import get_locale

from fieldapp import glossary
from fieldapp.extensions import babel

LOCALES = {"zh": "zh", "en": "en"}


def select_locale() -> str:
    """The session's chosen language, else the signed-in user's, else the browser's, else Chinese."""
    chosen = session.get("lang") or getattr(g.get("user"), "language", None)
    if chosen in LOCALES:
        return LOCALES[chosen]
    best = request.accept_languages.best_match(["zh", "zh_CN", "en"])
    return "en" if best == "en" else "zh"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our locale selector."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["product_name"] = product_name


def product_name() -> str:
    """The product's one name, in the reader's language (the glossary's)."""
    return glossary.PRODUCT.en if str(get_locale() or "").startswith("en") else glossary.PRODUCT.zh
