"""Marshmallow building blocks shared by every area's schemas."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any, NamedTuple

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, missing, validate
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


class _Slow(Exception):
    """A value the fast load does not take as it is: marshmallow reads the whole body."""


# How a present, non-null value of a field is loaded, as the field's own ``deserialize``
# would for a value of the plain JSON type; raises ``_Slow`` for anything else.
Load = Callable[[Any], Any]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _load_string(value: Any) -> Any:
    if type(value) is not str:
        raise _Slow
    return value


def _load_uuid(value: Any) -> uuid.UUID:
    if type(value) is not str:
        raise _Slow
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _Slow from None


def _load_raw(value: Any) -> Any:
    return value


def _load_integer(value: Any) -> Any:
    if type(value) is not int:  # not a bool, a float or a numeric string: marshmallow decides
        raise _Slow
    return value


def _load_boolean(value: Any) -> Any:
    if value is not True and value is not False:
        raise _Slow
    return value


def _load_date(value: Any) -> date:
    if type(value) is not str or not _ISO_DATE.match(value):
        raise _Slow
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Slow from None


def _float_loader(allow_nan: bool | None) -> Load:
    def load(value: Any) -> float:
        kind = type(value)
        if kind is int:
            try:
                value = float(value)
            except OverflowError:
                raise _Slow from None
        elif kind is not float:
            raise _Slow
        if allow_nan is False and not math.isfinite(value):
            raise _Slow
        return value  # type: ignore[no-any-return]

    return load


def _by_field(field: fields.Field, name: str) -> Load:
    """The field's own ``_deserialize`` (a nested body, an instant): any error sends the body slow."""

    def load(value: Any) -> Any:
        try:
            return field._deserialize(value, name, None)
        except ValidationError:
            raise _Slow from None

    return load


def _nested_loader(field: fields.Nested, name: str) -> Load:
    """A nested body by the nested schema's fast load when the schema has no hooks of its own
    (its ``load`` would then answer just that), else by the field itself. Decided at first use:
    a schema named by a string is found in marshmallow's registry only once all are imported."""
    made: list[tuple[_LoadSteps, bool] | None] = []
    by_field = _by_field(field, name)

    def load(value: Any) -> Any:
        if not made:
            made.append(_plain_nested(field))
        plain = made[0]
        if plain is None:
            return by_field(value)
        if type(value) is not dict:
            raise _Slow
        return _fast_load(plain[0], value, plain[1])

    return load


def _plain_nested(field: fields.Nested) -> tuple[_LoadSteps, bool] | None:
    """The nested schema's fast load and whether unknown keys are refused, or None."""
    schema = field.schema
    unknown = field.unknown or schema.unknown
    if (
        field.many
        or schema.many
        or schema.partial
        or unknown not in (RAISE, EXCLUDE)
        or any(schema._hooks.values())
        or type(schema)._deserialize is not StrictSchema._deserialize
    ):
        return None
    steps = _steps_of(schema)
    return None if steps is None else (steps, unknown == RAISE)


def _list_loader(field: fields.List, name: str) -> Load | None:
    inner = field.inner
    convert = _loader(inner, name)
    if convert is None:
        return None
    validators = tuple(inner.validators)

    def load(value: Any) -> list[Any]:
        if type(value) is not list or None in value:  # an item null: marshmallow says which
            raise _Slow
        items = [convert(each) for each in value]
        for item in items:
            _validate(validators, item)
        return items

    return load


def _loader(field: fields.Field, name: str) -> Load | None:
    """The load of a field of one of these exact types, or None (marshmallow loads it)."""
    if field.pre_load or field.post_load:
        return None
    kind = type(field)
    if kind is fields.String:
        return _load_string
    if kind is fields.UUID:
        return _load_uuid
    if kind is fields.Integer:
        return _load_integer
    if kind is fields.Raw:
        return _load_raw
    if kind is fields.Float:
        return _float_loader(field.allow_nan)  # type: ignore[attr-defined]
    if kind is fields.Boolean:
        if field.truthy != fields.Boolean.truthy or field.falsy != fields.Boolean.falsy:  # type: ignore[attr-defined]
            return None
        return _load_boolean
    if kind is fields.Date and field.format in (None, "iso", "iso8601"):  # type: ignore[attr-defined]
        return _load_date
    if kind is fields.Nested:
        return _nested_loader(field, name)  # type: ignore[arg-type]
    if kind is Instant:
        return _by_field(field, name)
    if kind is fields.List:
        return _list_loader(field, name)  # type: ignore[arg-type]
    return None


class _LoadSteps(NamedTuple):
    """A schema's fast load: its fields' steps and the keys it knows."""

    steps: list[_LoadStep]
    keys: frozenset[str]


class _LoadStep(NamedTuple):
    """One field of a fast load: where it reads and writes, and how it loads."""

    key: str
    attribute: str
    load: Load
    validators: tuple[Callable[[Any], Any], ...]
    required: bool
    allow_none: bool
    # What a missing value becomes (``missing``: left out), a callable called each time.
    default: Any


def _load_steps(schema: Schema) -> _LoadSteps | None:
    """The fast load of the schema's fields, or None when one of them is not of the types above."""
    steps = []
    for name, field in schema.load_fields.items():
        attribute = field.attribute or name
        load = _loader(field, name)
        if load is None or "." in attribute:
            return None
        steps.append(
            _LoadStep(
                key=field.data_key if field.data_key is not None else name,
                attribute=attribute,
                load=load,
                validators=tuple(field.validators),
                required=field.required,
                allow_none=field.allow_none,
                default=field.load_default,
            )
        )
    return _LoadSteps(steps, frozenset(step.key for step in steps))


def _steps_of(schema: Schema) -> _LoadSteps | None:
    """``_load_steps`` of this schema instance, made at its first load (its fields are its own)."""
    steps = schema.__dict__.get("_fast_load", missing)
    if steps is missing:
        steps = schema.__dict__["_fast_load"] = _load_steps(schema)
    return steps  # type: ignore[no-any-return]


class StrictSchema(Schema):
    """Unknown fields are an error, so a typo never silently drops data.

    A valid body is loaded without marshmallow's machinery a field: a sync push loads a
    thousand records of some sixty fields each, and marshmallow's cost a field (a getter,
    an error store, ``deserialize``) was a fifth of the push. Fields of the plain types above
    are read here as their own ``deserialize`` would; the first value that is not simply valid
    (absent but required, null where not allowed, another type, refused by a validator, an
    unknown key) hands the whole body to marshmallow, which reports every error as it always
    has. Hooks and validators of the schema still run around it. ``tests/foundation/
    test_fast_load.py`` holds it to marshmallow's own answers.
    """

    class Meta:
        unknown = "raise"

    def _deserialize(  # type: ignore[override]
        self,
        data: Any,
        *,
        error_store: Any,
        many: bool = False,
        partial: Any = None,
        unknown: Any = RAISE,
        index: Any = None,
    ) -> Any:
        if not many and not partial and type(data) is dict and unknown in (RAISE, EXCLUDE):
            fast = _steps_of(self)
            if fast is not None:
                with suppress(_Slow):  # else marshmallow reads the whole body, and says what is wrong
                    return _fast_load(fast, data, unknown == RAISE)
        return super()._deserialize(
            data, error_store=error_store, many=many, partial=partial, unknown=unknown, index=index
        )


def _fast_load(fast: _LoadSteps, data: dict[str, Any], strict: bool) -> dict[str, Any]:
    """The loaded body, or ``_Slow`` at the first value that is not simply valid."""
    if strict and not fast.keys.issuperset(data):  # an unknown key
        raise _Slow
    loaded: dict[str, Any] = {}
    for key, attribute, load, validators, required, allow_none, default in fast.steps:
        value = data.get(key, missing)
        if value is missing:
            if required:
                raise _Slow
            if default is not missing:
                loaded[attribute] = default() if callable(default) else default
            continue
        if value is None:
            if not allow_none:
                raise _Slow
            loaded[attribute] = None
            continue
        value = load(value)
        if validators:
            _validate(validators, value)
        loaded[attribute] = value
    return loaded


def _validate(validators: tuple[Callable[[Any], Any], ...], value: Any) -> None:
    """``_Slow`` unless every validator takes the value (marshmallow's ``And`` of them)."""
    for validator in validators:
        try:
            if validator(value) is False:
                raise _Slow
        except ValidationError:
            raise _Slow from None


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
