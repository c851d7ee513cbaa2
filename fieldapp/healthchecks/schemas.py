"""Health checks as API.md reads and writes them: one field per item of ``items.ITEMS``."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, pre_load, validate

from fieldapp.healthchecks.items import ITEMS, Item
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.schemas import Instant, PageSchema, StrictSchema

SERVER_FIELDS = ("bmi", "performed_by", "created_at", "updated_at")


def _field(item: Item) -> fields.Field:
    metadata = {"description": f"{item.zh} / {item.en}" + (f" ({item.unit})" if item.unit else "")}
    optional: dict[str, Any] = {"allow_none": True, "load_default": None, "metadata": metadata}
    if item.kind == "number":
        return fields.Float(allow_nan=False, validate=validate.Range(item.low, item.high), **optional)
    if item.kind == "integer":
        return fields.Integer(strict=True, validate=validate.Range(item.low, item.high), **optional)
    if item.kind == "choice":
        return fields.String(validate=validate.OneOf(item.choices), **optional)
    return fields.String(validate=validate.Length(max=2000), **optional)


class _HealthCheckBase(StrictSchema):
    """The fields every health check has besides its items."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(required=True)
    performed_on = fields.Date(required=True)
    bmi = fields.Float(dump_only=True, allow_none=True)
    performed_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)

    @pre_load
    def drop_server_fields(self, data: Any, **_kwargs: Any) -> Any:
        """Ignore what the server computes, whatever the client says."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in SERVER_FIELDS}
        return data

    @pre_dump
    def spread_items(self, check: Any, **_kwargs: Any) -> Any:
        """A stored check answers its items as fields of their own."""
        if not isinstance(check, HealthCheck):
            return check
        values = {item.name: check.items.get(item.name) for item in ITEMS}
        return {
            **values,
            "id": check.id,
            "resident_id": check.resident_id,
            "performed_on": check.performed_on,
            "bmi": check.items.get("bmi"),
            "performed_by": check.performed_by,
            "created_at": check.created_at,
        }


HealthCheckSchema: type[Schema] = _HealthCheckBase.from_dict(
    {item.name: _field(item) for item in ITEMS}, name="HealthCheckSchema"
)
HealthCheckSchema.__doc__ = "One health check (健康体检表); every item but the date may be left out."


class HealthCheckPageSchema(PageSchema):
    """A page of a resident's health checks, newest first."""

    items = fields.List(fields.Nested(HealthCheckSchema))


class HealthCheckFormSchema(Schema):
    """The form's sections and items (``GET /api/v1/health-checks/form``)."""

    sections = fields.List(fields.Dict())
    items = fields.List(fields.Dict())
    choices = fields.Dict()
    source = fields.String()
