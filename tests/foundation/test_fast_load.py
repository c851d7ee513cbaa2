"""A schema's fast load answers what marshmallow's own load answers, for any body.

``StrictSchema`` loads a simply valid body without marshmallow's machinery a field and hands
anything else to marshmallow. Here every record type a phone pushes, the national form
whole, and a schema of every field type are loaded both ways, each valid body and a few
thousand broken ones (a field left out, null, of another type, out of range, an unknown key):
the loaded data, its order, and every error message must be the same.
"""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from fieldapp.schemas import Instant, StrictSchema
from fieldapp.sync.service import KINDS
from fieldapp.timeutil import local_today, utcnow
from tests.sync.builders import every_kind

# What a hostile or broken client may send in place of any value (all of them JSON but one:
# Python's json reads NaN and Infinity, so a body may hold them).
ALIEN: list[Any] = [
    None,
    "",
    "x",
    "2026-13-45",
    "2026-11-30",
    "2026-11-30T09:00:00",
    "2026-11-30T09:00:00+08:00",
    "3f1c0b2e-8a43-4f0e-9f57-0c6f3d1c2b7a",
    "12",
    0,
    -1,
    7,
    10**400,
    1.5,
    float("nan"),
    float("inf"),
    True,
    False,
    [],
    [None],
    ["x"],
    {},
    {"now": 1},
]


@contextmanager
def marshmallow_only() -> Iterator[None]:
    """Every StrictSchema loads as marshmallow's own ``Schema`` does, nested ones too."""
    fast = StrictSchema.__dict__["_deserialize"]
    StrictSchema._deserialize = Schema._deserialize  # type: ignore[method-assign]
    try:
        yield
    finally:
        StrictSchema._deserialize = fast  # type: ignore[method-assign]


@contextmanager
def fast_only() -> Iterator[None]:
    """Marshmallow's own field-by-field load fails the test if it is reached at all."""
    slow = Schema._deserialize

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a valid body was loaded by marshmallow, not the fast load")

    Schema._deserialize = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        Schema._deserialize = slow  # type: ignore[method-assign]


def outcome(schema: Schema, body: Any) -> tuple[str, Any]:
    """What a caller sees: the loaded data with its order, or every error message."""
    try:
        loaded = schema.load(copy.deepcopy(body))
    except ValidationError as error:
        return "refused", error.messages
    return "loaded", _ordered(loaded)


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def both_ways(schema: Schema, body: Any) -> tuple[tuple[str, Any], tuple[str, Any]]:
    with marshmallow_only():
        expected = outcome(schema, body)
    return outcome(schema, body), expected


def broken(body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The body with one thing wrong at a time, nested bodies' values too."""
    yield "not a dict", [body]
    yield "unknown key", body | {"unknown_key": 1}
    for key, value in body.items():
        yield f"{key} left out", {k: v for k, v in body.items() if k != key}
        for alien in ALIEN:
            yield f"{key}={alien!r}", body | {key: alien}
        if isinstance(value, dict):
            for what, inner in broken(value):
                yield f"{key}.{what}", body | {key: inner}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for what, inner in broken(value[0]):
                yield f"{key}[0].{what}", body | {key: [inner, *value[1:]]}


def phone_records() -> list[dict[str, Any]]:
    """A body of every record type a phone pushes, the national form whole."""
    village = SimpleNamespace(id=uuid.uuid4())
    known = SimpleNamespace(id=uuid.uuid4())
    records = every_kind(village, known)
    resident_id, at = str(known.id), (utcnow() - timedelta(hours=2)).isoformat()
    extra = {
        "contract": {
            "id": str(uuid.uuid4()),
            "resident_id": resident_id,
            "team_id": str(uuid.uuid4()),
            "signed_on": local_today().isoformat(),
            "packages": ["basic", "hypertension"],
        },
        "contact_attempt": {
            "id": str(uuid.uuid4()),
            "resident_id": resident_id,
            "at": at,
            "channel": "phone",
            "result": "will_come",
            "come_on": (local_today() + timedelta(days=3)).isoformat(),
            "note": "下周一来",
        },
        "referral": {
            "id": str(uuid.uuid4()),
            "resident_id": resident_id,
            "facility_id": str(uuid.uuid4()),
            "urgency": "urgent",
            "followup_id": None,
            "reason": "血压控制不满意",
            "impression": "高血压3级",
        },
    }
    records += [{"type": kind, "data": data} for kind, data in extra.items()]
    assert {record["type"] for record in records} >= {"resident", "enrollment", "followup", "visit"}
    return records


def test_every_pushed_record_loads_fast_and_as_marshmallow_does(app: Flask) -> None:
    records = phone_records()
    for record in records:
        schema = KINDS[record["type"]].load
        with fast_only():
            fast = outcome(schema, record["data"])
        with marshmallow_only():
            expected = outcome(schema, record["data"])
        assert fast == expected, record["type"]
        assert fast[0] == "loaded", (record["type"], fast)


def test_every_broken_record_is_answered_as_marshmallow_answers(app: Flask) -> None:
    compared = refused = 0
    for record in phone_records():
        schema = KINDS[record["type"]].load
        for what, body in broken(record["data"]):
            fast, expected = both_ways(schema, body)
            assert fast == expected, f"{record['type']}: {what}"
            compared += 1
            refused += fast[0] == "refused"
    assert compared > 3000
    assert refused > compared / 2  # most of what is broken is refused, each as marshmallow says


class Part(StrictSchema):
    size = fields.Integer(required=True, validate=validate.Range(1, 10))
    label = fields.String(data_key="name", load_default="无")


class Loose(StrictSchema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(validate=validate.OneOf(["a", "b"]))


class Everything(StrictSchema):
    text = fields.String(allow_none=True, validate=validate.Length(min=1, max=5))
    uid = fields.UUID(load_default=uuid.uuid4)
    count = fields.Integer(strict=True, allow_none=True, load_default=None)
    loose_count = fields.Integer()
    ratio = fields.Float(validate=validate.Range(0, 1))
    any_number = fields.Float(allow_nan=True)
    flag = fields.Boolean(load_default=False)
    yes_no = fields.Boolean(truthy={"是"}, falsy={"否"})
    day = fields.Date()
    at = Instant()
    codes = fields.List(fields.String(validate=validate.OneOf(["a", "b"])), load_default=list)
    numbers = fields.List(fields.Integer(), validate=validate.Length(max=2))
    raw = fields.Raw()
    mapping = fields.Dict()
    renamed = fields.String(data_key="label", attribute="title")
    part = fields.Nested(Part, allow_none=True)
    parts = fields.List(fields.Nested(Part))
    many = fields.Nested(Part, many=True)
    loose = fields.Nested(Loose)
    shown = fields.String(dump_only=True)

    @validates("count")
    def not_thirteen(self, value: Any, **_kwargs: Any) -> None:
        if value == 13:
            raise ValidationError("unlucky")


class Plain(StrictSchema):
    """Every field of a type the fast load reads itself."""

    text = fields.String(allow_none=True, validate=validate.Length(min=1, max=5))
    uid = fields.UUID(load_default=uuid.uuid4)
    count = fields.Integer(strict=True, allow_none=True, load_default=None)
    ratio = fields.Float(validate=validate.Range(0, 1))
    flag = fields.Boolean(load_default=False)
    day = fields.Date(required=True)
    at = Instant()
    codes = fields.List(fields.String(validate=validate.OneOf(["a", "b"])), load_default=list)
    renamed = fields.String(data_key="label", attribute="title")
    part = fields.Nested(Part, allow_none=True)
    loose = fields.Nested(Loose)


EVERYTHING = {
    "text": "abc",
    "uid": "3f1c0b2e-8a43-4f0e-9f57-0c6f3d1c2b7a",
    "count": 3,
    "loose_count": 4,
    "ratio": 0.5,
    "any_number": 2,
    "flag": True,
    "yes_no": "是",
    "day": "2026-11-30",
    "at": "2026-11-30T09:00:00+08:00",
    "codes": ["a", "b", "a"],
    "numbers": [1, 2],
    "raw": {"anything": [1]},
    "mapping": {"a": 1},
    "label": "title",
    "part": {"size": 3, "name": "x"},
    "parts": [{"size": 1}],
    "many": [{"size": 2, "name": "y"}],
    "loose": {"code": "a", "other": 1},
}


@pytest.mark.parametrize("schema", [Everything(), Plain()], ids=["every field type", "plain fields"])
def test_every_field_type_loads_as_marshmallow_does(app: Flask, schema: Schema) -> None:
    body = {
        key: value
        for key, value in EVERYTHING.items()
        if key in {f.data_key or n for n, f in schema.load_fields.items()}
    }
    fast, expected = both_ways(schema, body)
    uid_fast, uid_expected = dict(fast[1]).pop("uid"), dict(expected[1]).pop("uid")
    assert fast == expected and uid_fast == uid_expected == uuid.UUID(EVERYTHING["uid"])
    for what, wrong in broken(body):
        fast, expected = both_ways(schema, wrong)
        if what == "uid left out":  # a fresh uuid4 each load: the same but for its value
            fast, expected = _without_uid(fast), _without_uid(expected)
        assert fast == expected, what


def _without_uid(answer: tuple[str, Any]) -> tuple[str, Any]:
    state, body = answer
    return state, [item for item in body if item[0] != "uid"] if state == "loaded" else body


def test_plain_fields_load_fast_and_the_rest_by_marshmallow(app: Flask) -> None:
    plain = {
        key: EVERYTHING[key] for key in ("text", "ratio", "day", "at", "codes", "label", "part", "loose")
    }
    with fast_only():
        assert outcome(Plain(), plain)[0] == "loaded"
        with pytest.raises(AssertionError, match="not the fast load"):
            Plain().load(plain | {"ratio": "0.5"})  # a number as text: marshmallow's to read
        with pytest.raises(AssertionError, match="not the fast load"):
            Everything().load(EVERYTHING)  # a Dict field: marshmallow reads the whole body
