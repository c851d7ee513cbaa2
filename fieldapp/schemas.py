"""Marshmallow building blocks shared by every area's schemas."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any, NamedTuple

from marshmallow import Schema, ValidationError, fields, missing, validate
from marshmallow.decorators import POST_DUMP, PRE_DUMP

from fieldapp.timeutil import as_utc, isoformat_local

# API.md: times carry an offset. Only the console's forms (a browser's datetime-local
# input has none) may send a naive time, taken as the deployment's local time.
_NAIVE_IS_LOCAL: ContextVar[bool] = ContextVar("naive_is_local", default=False)


@contextmanager
def naive_times_as_local() -> Iterator[None]:
    """Inside the block, an Instant without an offset is local time instead of an error."""
    token = _NAIVE_IS_LOCAL.set(True)
    try:
        yield
    finally:
        _NAIVE_IS_LOCAL.reset(token)


class Instant(fields.DateTime):
    """An ISO 8601 instant with an offset; loads to aware UTC, dumps with the local offset."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None and not _NAIVE_IS_LOCAL.get():
            raise ValidationError("must carry a UTC offset (e.g. 2026-11-22T09:30:00+08:00)")
        return as_utc(parsed)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return isoformat_local(value)


def without_nulls(data: Any, names: tuple[str, ...]) -> Any:
    """Optional fields sent as ``null`` are taken as not sent (their defaults apply, same body)."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if not (v is None and k in names)}
    return data


class StrictSchema(Schema):
    """Unknown fields are an error, so a typo never silently drops data."""

    class Meta:
        unknown = "raise"


class PageSchema(Schema):
    """The paging envelope of list answers."""

    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class QueryPageSchema(Schema):
    """``page`` and ``per_page`` of a list."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 10**6))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


# How a present, non-null value of a field becomes JSON, as the field's own ``serialize`` does.
Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _nested_converter(field: fields.Nested) -> Convert:
    """A nested schema's dump, by a ``Dumper`` of it (made at first use: a schema named by a
    string is found in marshmallow's registry only once every module is imported)."""
    made: list[Dumper] = []

    def convert(value: Any) -> Any:
        schema = field.schema
        if not made:
            made.append(Dumper(schema))
        many = schema.many or field.many
        if made[0].whole:
            return schema.dump(value, many=many)
        return [made[0].one(each) for each in value] if many else made[0].one(value)

    return convert


def _converter(field: fields.Field) -> Convert | None:
    """The conversion of a field of one of these exact types, or None (the field serializes itself)."""
    kind = type(field)
    if kind is Instant:
        return isoformat_local
    if kind in (fields.String, fields.UUID):
        return str
    if kind in (fields.Boolean, fields.Raw):
        return _same
    if kind in (fields.Integer, fields.Float) and not field.as_string:  # type: ignore[attr-defined]
        return int if kind is fields.Integer else float
    if kind is fields.Date and field.format in (None, "iso", "iso8601"):  # type: ignore[attr-defined]
        return date.isoformat
    if kind is fields.Dict and field.key_field is None and field.value_field is None:  # type: ignore[attr-defined]
        return dict
    if kind is fields.Nested:
        return _nested_converter(field)  # type: ignore[arg-type]
    if kind is fields.List:
        inner = _converter(field.inner)  # type: ignore[attr-defined]
        if inner is not None:
            return lambda values: [None if value is None else inner(value) for value in values]
    return None


class _Step(NamedTuple):
    """One field of a ``Dumper``: where it reads and writes, and how it converts (a tuple: the
    loop unpacks it, a thousand rows times forty fields a push)."""

    name: str
    key: str
    attribute: str
    field: fields.Field
    convert: Convert | None
    # Absent from a dict, the field is left out (marshmallow would find no attribute of that name
    # on the dict either, and the field has no dump_default).
    absent_is_missing: bool


class Dumper:
    """``schema.dump(obj)`` of one object, without marshmallow's machinery a field.

    A sync push answers a thousand rows at once, then dumps its whole answer again: marshmallow's
    cost a field (accessor, default, ``serialize``) was about a seventh of the push. Fields of the types
    above are read and converted here as their own ``serialize`` would; any other field still
    serializes itself, and a schema with dump hooks or an accessor of its own is dumped by
    marshmallow. ``tests/foundation/test_dumper.py`` holds it to marshmallow's answers.
    """

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        hooks = type(schema).resolve_hooks()
        # Dumped by marshmallow: hooks, or an accessor of the schema's own.
        self.whole = bool(hooks.get(PRE_DUMP) or hooks.get(POST_DUMP)) or (
            type(schema).get_attribute is not Schema.get_attribute
        )
        self._steps = []
        for name, field in schema.dump_fields.items():
            attribute = field.attribute if field.attribute is not None else name
            self._steps.append(
                _Step(
                    name=name,
                    key=field.data_key if field.data_key is not None else name,
                    attribute=attribute,
                    field=field,
                    # A dotted attribute is a path marshmallow follows: the field reads it itself.
                    convert=None if "." in attribute else _converter(field),
                    absent_is_missing=field.dump_default is missing and not hasattr(dict, attribute),
                )
            )

    def __call__(self, obj: Any) -> Any:
        """What ``schema.dump(obj)`` answers."""
        if self.whole or self.schema.many:
            return self.schema.dump(obj)
        return self.one(obj)

    def one(self, obj: Any) -> dict[str, Any]:
        """The dump of one object (of a list, for a schema made with ``many``), hooks apart."""
        from_dict = type(obj) is dict
        if not from_dict and hasattr(obj, "__getitem__"):  # marshmallow tries its items first
            return self.schema.dump(obj, many=False)  # type: ignore[no-any-return]
        body: dict[str, Any] = {}
        for name, key, attribute, field, convert, absent_is_missing in self._steps:
            if convert is None:
                value = missing
            elif not from_dict:
                value = getattr(obj, attribute, missing)
            elif attribute in obj:
                value = obj[attribute]
            elif absent_is_missing:
                continue
            else:
                value = missing
            if value is missing:  # read by the field itself (its own type, a path, its dump_default)
                value = field.serialize(name, obj, accessor=self.schema.get_attribute)
                if value is missing:
                    continue
            elif value is not None:
                value = convert(value)  # type: ignore[misc]
            body[key] = value
        return body
