"""Replies as API.md (v2) reads them."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields

from fieldapp.schemas import Instant, PageSchema


class ReplySchema(Schema):
    """A reply; ``resident_ids`` names only the residents the reader may see."""

    id = fields.UUID()
    from_ = fields.String(attribute="from_number", data_key="from")
    body = fields.String()
    received_at = Instant()
    read_at = Instant(allow_none=True)
    resident_ids = fields.Method("_resident_ids")

    def _resident_ids(self, reply: Any) -> list[str]:
        seen = getattr(reply, "visible_resident_ids", None)
        ids = seen if seen is not None else [link.resident_id for link in reply.residents]
        return [str(resident_id) for resident_id in ids]


class ReplyQuerySchema(Schema):
    """``GET /api/v1/replies`` filters (paging is read separately)."""

    class Meta:
        unknown = EXCLUDE

    resident_id = fields.UUID()
    unread = fields.Boolean(load_default=False)


class ReplyPageSchema(PageSchema):
    """A page of replies, newest first."""

    items = fields.List(fields.Nested(ReplySchema))
