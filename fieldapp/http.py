"""Request helpers shared by every area's views: parse JSON, load and dump schemas.

Every body and query string passes one check here before any schema sees it: JSON
nested deeper than ``MAX_JSON_DEPTH`` is refused (400), and text that PostgreSQL or
UTF-8 cannot store (a NUL, an unpaired surrogate) is refused field by field (422).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema

from fieldapp.errors import BadRequestError, ValidationError

MAX_JSON_DEPTH = 32
UNSTORABLE_TEXT = "contains a character that cannot be stored (NUL or an unpaired surrogate)"


class JSONTooDeepError(ValueError):
    """A JSON document nested deeper than ``MAX_JSON_DEPTH`` (a ValueError: not valid for us)."""


def json_depth(data: Any) -> int:
    """How deeply ``data`` nests lists and objects (a scalar: 0); without recursion."""
    if not isinstance(data, (dict, list)):
        return 0
    # Only containers go on the stack: a sync batch's body holds some 50,000 scalars.
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested deeper than ``MAX_JSON_DEPTH`` as invalid."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse ``s``; JSONTooDeepError past the depth limit (never a RecursionError)."""
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            raise JSONTooDeepError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise JSONTooDeepError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        return data


def storable(text: str) -> bool:
    """False for text PostgreSQL or UTF-8 cannot hold: a NUL, or an unpaired surrogate."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# How text that cannot be stored gets into parsed JSON: a NUL or a surrogate written as a \\u
# escape, or a surrogate's own UTF-8 bytes (Python's json reads bytes with "surrogatepass"). A
# NUL byte also stands for a UTF-16 or UTF-32 body, whose escapes this does not read.
_UNSTORABLE_BYTES = re.compile(rb"\x00|\xed[\xa0-\xbf]|\\u(?:0000|[dD][89a-fA-F])")
# Where one request's answer is kept (a test's app context may serve several requests).
_STORABLE_KEY = "fieldapp.body_text_storable"


def body_text_storable() -> bool:
    """True when the request's JSON body cannot hold text that cannot be stored (one scan of
    its bytes, not a walk of every value; once a request); False means only that its values
    must be checked."""
    known = request.environ.get(_STORABLE_KEY)
    if known is None:
        known = request.environ[_STORABLE_KEY] = (
            _UNSTORABLE_BYTES.search(request.get_data(cache=True)) is None
        )
    return bool(known)


def unstorable_fields(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """Every place in ``data`` (keys included) holding text that cannot be stored, as field errors."""
    problems: dict[str, list[str]] = {}
    stack: list[tuple[Any, str]] = [(data, prefix)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if not storable(value):
                problems[path or "_schema"] = [UNSTORABLE_TEXT]
        elif isinstance(value, dict):
            for key, child in value.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and not storable(key):
                    problems[path or "_schema"] = [UNSTORABLE_TEXT]
                    continue
                stack.append((child, name))
        elif isinstance(value, list):
            stack.extend((child, f"{path}.{n}" if path else str(n)) for n, child in enumerate(value))
    return problems


def refuse_unstorable(data: Any, prefix: str = "") -> None:
    """422 naming every field of ``data`` that holds text that cannot be stored."""
    problems = unstorable_fields(data, prefix)
    if problems:
        raise ValidationError("Some fields hold text that cannot be stored.", fields=problems)


def json_body() -> Any:
    """The request's JSON body, or a 400 ``bad_request`` with a clear reason."""
    if not request.is_json:
        raise BadRequestError("The body must be JSON (Content-Type: application/json).")
    data = request.get_json(silent=True)
    if data is None:
        try:
            request.json_module.loads(request.get_data(cache=True))
        except JSONTooDeepError:
            raise BadRequestError(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.") from None
        except ValueError:
            pass
        raise BadRequestError("The body is not valid JSON.")
    return data


def load(
    schema: Schema, data: Any = None, *, partial: bool = False, checked_later: tuple[str, ...] = ()
) -> Any:
    """Validate ``data`` (default: the JSON body) with ``schema``; 422 on failure.

    ``checked_later``: top-level fields whose text the caller checks item by item (a sync
    batch's records, so one bad record does not refuse the others).
    """
    from_body = data is None
    if from_body:
        data = json_body()
    if not isinstance(data, dict) and not schema.many:
        raise BadRequestError("The body must be a JSON object.")
    if not (from_body and body_text_storable()):
        checked = (
            {k: v for k, v in data.items() if k not in checked_later} if isinstance(data, dict) else data
        )
        refuse_unstorable(checked)
    return schema.load(data, partial=partial)


def page_args(default_per_page: int = 50, max_per_page: int = 200) -> tuple[int, int]:
    """``page`` and ``per_page`` from the query string, bounded."""
    fields: dict[str, list[str]] = {}
    values = {}
    for name, default, upper in (("page", 1, 10**6), ("per_page", default_per_page, max_per_page)):
        raw = request.args.get(name)
        try:
            value = int(raw) if raw not in (None, "") else default
        except ValueError:
            fields[name] = ["must be an integer"]
            continue
        if not 1 <= value <= upper:
            fields[name] = [f"must be between 1 and {upper}"]
        values[name] = value
    if fields:
        raise ValidationError("Some query parameters are not valid.", fields=fields)
    return values["page"], values["per_page"]


def _refuse_unstorable_query_and_form() -> None:
    """Query strings and forms are checked before any view reads them (``?q=%00`` is a 422)."""
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    problems = {
        key: [UNSTORABLE_TEXT]
        for source in sources
        for key, values in source.lists()
        if not storable(key) or not all(storable(value) for value in values)
    }
    if problems:
        raise ValidationError("Some fields hold text that cannot be stored.", fields=problems)


def init_app(app: Flask) -> None:
    """Check the text of query strings and forms on every request."""
    app.before_request(_refuse_unstorable_query_and_form)
