"""``/api/v1/screenings``, ``/screenings/{id}/outcome``, ``/residents/{id}/screenings``."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.followups.schemas import EnrollmentSchema
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.schemas import QueryPageSchema
from fieldapp.screenings import service
from fieldapp.screenings.schemas import (
    ScreeningOutcomeSchema,
    ScreeningPageSchema,
    ScreeningSchema,
    ScreeningWithEnrollmentSchema,
)

bp = Blueprint("screenings_api", __name__, url_prefix="/api/v1")

SCREENING_SCHEMA = ScreeningSchema()
ENROLLMENT_SCHEMA = EnrollmentSchema()


@bp.post("/screenings")
@doc("Record a screening", body=ScreeningSchema, response=ScreeningSchema, status=201)
def record_screening() -> ResponseReturnValue:
    """Record a screening; the server gives its results and, when suspected, the date to confirm by."""
    screening, created = service.record_screening(current_user(), load(SCREENING_SCHEMA))
    return SCREENING_SCHEMA.dump(screening), 201 if created else 200


@bp.post("/screenings/<uuid:screening_id>/outcome")
@doc(
    "Confirm or exclude a suspected result",
    body=ScreeningOutcomeSchema,
    response=ScreeningWithEnrollmentSchema,
)
def record_outcome(screening_id: uuid.UUID) -> ResponseReturnValue:
    """Settle a suspected condition; ``confirmed`` enrolls the resident (once) and answers the enrollment."""
    screening, enrollment = service.record_outcome(
        current_user(), screening_id, load(ScreeningOutcomeSchema())
    )
    answer = SCREENING_SCHEMA.dump(screening)
    answer["enrollment"] = ENROLLMENT_SCHEMA.dump(enrollment) if enrollment is not None else None
    return answer


@bp.get("/residents/<uuid:resident_id>/screenings")
@doc("A resident's screenings, newest first", query=QueryPageSchema, response=ScreeningPageSchema)
def list_screenings(resident_id: uuid.UUID) -> ResponseReturnValue:
    """A resident's screenings, newest first."""
    args = load(QueryPageSchema(), {k: v for k, v in request.args.items() if v != ""})
    rows, total = service.list_screenings(current_user(), resident_id, args["page"], args["per_page"])
    return ScreeningPageSchema().dump({"items": rows, "total": total, **args})
