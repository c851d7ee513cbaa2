"""``/api/v1/health-checks``, ``/health-checks/form``, ``/residents/{id}/health-checks``."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.healthchecks import items, service
from fieldapp.healthchecks.schemas import HealthCheckFormSchema, HealthCheckPageSchema, HealthCheckSchema
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.schemas import QueryPageSchema

bp = Blueprint("healthchecks_api", __name__, url_prefix="/api/v1")

HEALTH_CHECK_SCHEMA = HealthCheckSchema()


@bp.post("/health-checks")
@doc("Record a health check", body=HealthCheckSchema, response=HealthCheckSchema, status=201)
def record_health_check() -> ResponseReturnValue:
    """Record a resident's health check; the same id and body again answers 200."""
    check, created = service.record_health_check(current_user(), load(HEALTH_CHECK_SCHEMA))
    return HEALTH_CHECK_SCHEMA.dump(check), 201 if created else 200


@bp.get("/health-checks/form")
@doc("The health check's sections and items", response=HealthCheckFormSchema)
def health_check_form() -> ResponseReturnValue:
    """Every item of the health check, by section, with its range or choices (for the field app's form)."""
    return items.form_document()


@bp.get("/residents/<uuid:resident_id>/health-checks")
@doc("A resident's health checks, newest first", query=QueryPageSchema, response=HealthCheckPageSchema)
def list_health_checks(resident_id: uuid.UUID) -> ResponseReturnValue:
    """A resident's health checks, newest first."""
    args = load(QueryPageSchema(), {k: v for k, v in request.args.items() if v != ""})
    rows, total = service.list_health_checks(current_user(), resident_id, args["page"], args["per_page"])
    return HealthCheckPageSchema().dump({"items": rows, "total": total, **args})
