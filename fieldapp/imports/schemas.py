"""Import runs as API.md answers them."""

from __future__ import annotations

from marshmallow import Schema, fields

from fieldapp.schemas import Instant


class ImportErrorSchema(Schema):
    """One problem of one row (``row`` and ``column`` are null for a problem of the whole file)."""

    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    message = fields.String()


class ImportSchema(Schema):
    """``POST /api/v1/imports`` and ``GET /api/v1/imports/{id}``."""

    id = fields.UUID()
    status = fields.String()
    dry_run = fields.Boolean()
    filename = fields.String()
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(ImportErrorSchema))
    progress = fields.Float()
    created_at = Instant()
    finished_at = Instant(allow_none=True)


class ImportUploadSchema(Schema):
    """The multipart form of ``POST /api/v1/imports`` (besides its ``file``)."""

    dry_run = fields.Boolean(load_default=False)
