"""``Dumper`` answers what marshmallow's ``dump`` answers, whatever the fields and the object."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from marshmallow import Schema, fields, post_dump

from fieldapp.schemas import Dumper, Instant


class Part(Schema):
    size = fields.Integer()
    label = fields.String(data_key="name")


class Everything(Schema):
    text = fields.String(allow_none=True)
    uid = fields.UUID()
    count = fields.Integer()
    ratio = fields.Float()
    flag = fields.Boolean()
    day = fields.Date()
    at = Instant()
    codes = fields.List(fields.String())
    raw = fields.Raw()
    mapping = fields.Dict()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    renamed = fields.String(attribute="title", data_key="label", dump_only=True)
    given = fields.String(dump_default="none given")
    part = fields.Nested(Part, allow_none=True)
    parts = fields.List(fields.Nested(Part))
    many = fields.Nested(Part, many=True)
    deep = fields.String(attribute="part.label")
    shout = fields.Method("_shout")
    counted = fields.Integer(as_string=True)
    items = fields.String()  # a name a dict has as a method

    def _shout(self, obj: Any) -> str:
        return "ok"


VALUES: dict[str, Any] = {
    "text": "血压",
    "title": "随访",
    "uid": uuid.UUID(int=7),
    "count": 3,
    "ratio": 2,
    "flag": True,
    "day": date(2026, 12, 1),
    "at": datetime(2026, 12, 1, 1, 30, tzinfo=UTC),
    "codes": ["a", None, "b"],
    "raw": {"x": [1]},
    "mapping": {"k": 1},
    "errors": {"sbp": ["too high"]},
    "part": SimpleNamespace(size=1, label="p"),
    "parts": [SimpleNamespace(size=2, label="q")],
    "many": [SimpleNamespace(size=3, label="r")],
    "counted": 12,
    "items": "x",
}


@pytest.mark.parametrize(
    "obj",
    [
        SimpleNamespace(**VALUES),
        SimpleNamespace(**dict.fromkeys(VALUES)),
        SimpleNamespace(text="only"),
        {**VALUES, "part": {"size": 1, "label": "p"}},
        {"text": None, "count": None},
        {},
    ],
    ids=["object", "nulls", "attributes missing", "dict", "dict of nulls", "empty dict"],
)
def test_every_field_dumps_as_marshmallow_dumps_it(obj):
    schema = Everything()
    assert Dumper(schema)(obj) == schema.dump(obj)


class Hooked(Schema):
    name = fields.String()

    @post_dump
    def shout(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {key: value.upper() for key, value in data.items()}


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow():
    assert Dumper(Hooked())(SimpleNamespace(name="li")) == {"name": "LI"}
