"""Recording who read or changed a resident's record."""

from __future__ import annotations

import uuid

from flask import has_request_context, request

from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import User
from fieldapp.extensions import db


def record_access(user: User | None, action: str, entity: str, entity_id: uuid.UUID) -> None:
    """Add an audit entry to the current transaction (committed with it)."""
    address = request.remote_addr if has_request_context() else None
    db.session.add(
        AuditEntry(
            user_id=user.id if user else None,
            action=action,
            entity=entity,
            entity_id=entity_id,
            address=address,
        )
    )
