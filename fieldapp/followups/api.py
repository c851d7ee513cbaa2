"""``/api/v1/residents/{id}/enrollments``, ``/enrollments``, ``/followups``, ``/visits``, ``/queue``, ``/rules``."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.followups import items, rules, service
from fieldapp.followups.schemas import (
    CLOSE_REASONS,
    EnrollmentCloseSchema,
    EnrollmentSchema,
    FollowUpPageSchema,
    FollowUpSchema,
    QueuePageSchema,
    QueueQuerySchema,
    RulesSchema,
    VisitSchema,
)
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.schemas import Dumper, QueryPageSchema

bp = Blueprint("followups_api", __name__, url_prefix="/api/v1")

# Schemas hold no state between calls: one instance each serves every request.
FOLLOWUP_SCHEMA = FollowUpSchema()
ENROLLMENT_SCHEMA = EnrollmentSchema()
VISIT_SCHEMA = VisitSchema()


def _query_args() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if value != ""}


@bp.post("/residents/<uuid:resident_id>/enrollments")
@doc("Enroll a resident", body=EnrollmentSchema, response=EnrollmentSchema, status=201)
def create_enrollment(resident_id: uuid.UUID) -> ResponseReturnValue:
    """Enroll a resident for hypertension or diabetes; the same id and body again answers 200."""
    enrollment, created = service.create_enrollment(current_user(), resident_id, load(ENROLLMENT_SCHEMA))
    return ENROLLMENT_SCHEMA.dump(enrollment), 201 if created else 200


@bp.post("/enrollments/<uuid:enrollment_id>/close")
@doc("Close an enrollment", body=EnrollmentCloseSchema, response=EnrollmentSchema)
def close_enrollment(enrollment_id: uuid.UUID) -> ResponseReturnValue:
    """Close an enrollment (moved, died, cured, other); it leaves every queue."""
    enrollment = service.close_enrollment(current_user(), enrollment_id, load(EnrollmentCloseSchema()))
    return ENROLLMENT_SCHEMA.dump(enrollment)


@bp.post("/followups")
@doc("Record a follow-up", body=FollowUpSchema, response=FollowUpSchema, status=201)
def record_followup() -> ResponseReturnValue:
    """Record a follow-up; the server classifies it and schedules the next one."""
    followup, created = service.record_followup(current_user(), load(FOLLOWUP_SCHEMA))
    return FOLLOWUP_SCHEMA.dump(followup), 201 if created else 200


@bp.get("/residents/<uuid:resident_id>/followups")
@doc("A resident's follow-ups, newest first", query=QueryPageSchema, response=FollowUpPageSchema)
def list_followups(resident_id: uuid.UUID) -> ResponseReturnValue:
    """A resident's follow-ups, newest first."""
    args = load(QueryPageSchema(), _query_args())
    rows, total = service.list_followups(current_user(), resident_id, args["page"], args["per_page"])
    return FollowUpPageSchema().dump({"items": rows, "total": total, **args})


@bp.post("/visits")
@doc("Log a visit", body=VisitSchema, response=VisitSchema, status=201)
def record_visit() -> ResponseReturnValue:
    """Log a visit to a village; the same id and body again answers 200."""
    visit, created = service.record_visit(current_user(), load(VISIT_SCHEMA))
    return VISIT_SCHEMA.dump(visit), 201 if created else 200


# A page of 50 residents with their last follow-up, doctor and contact: ~1,600 fields, dumped
# by a ``Dumper`` (marshmallow's own machinery a field was a quarter of the page's CPU).
_QUEUE_PAGE = Dumper(QueuePageSchema())


@bp.get("/queue")
@doc("A follow-up queue", query=QueueQuerySchema, response=QueuePageSchema)
def queue() -> ResponseReturnValue:
    """Active enrollments due, overdue or lost in the caller's area, oldest due date first."""
    args = load(QueueQuerySchema(), _query_args())
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = service.queue_page(current_user(), args, page, per_page)
    return _QUEUE_PAGE({"items": items, "total": total, "page": page, "per_page": per_page})


@bp.get("/rules")
@doc("The follow-up rules, for offline classification", response=RulesSchema)
def get_rules() -> ResponseReturnValue:
    """Every threshold and interval of DOMAIN.md's follow-up rules, and the form's items."""
    return {**rules.rules_document(), **items.form_document(), "close_reasons": list(CLOSE_REASONS)}
