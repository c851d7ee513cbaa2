"""``/api/v1/trainings``, ``/api/v1/guidance-visits`` and ``/api/v1/reports/training``."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.training import service
from fieldapp.training.schemas import (
    GuidanceVisitSchema,
    TrainingQuerySchema,
    TrainingReportSchema,
    TrainingSchema,
)

bp = Blueprint("training_api", __name__, url_prefix="/api/v1")


@bp.post("/trainings")
@doc("Record a training of rural doctors", body=TrainingSchema, response=TrainingSchema, status=201)
def create_training() -> ResponseReturnValue:
    """A township manager or county admin records a training; the same id and body again answers 200."""
    user = current_user()
    service.require_recorder(user)  # the role before the body: a doctor's bad body is still 403
    training, created = service.create_training(user, load(TrainingSchema()))
    return TrainingSchema().dump(training), 201 if created else 200


@bp.post("/guidance-visits")
@doc("Record a guidance visit", body=GuidanceVisitSchema, response=GuidanceVisitSchema, status=201)
def create_guidance_visit() -> ResponseReturnValue:
    """A county specialist's guidance visit at a township centre or village clinic."""
    user = current_user()
    service.require_recorder(user)
    visit, created = service.create_guidance_visit(user, load(GuidanceVisitSchema()))
    return GuidanceVisitSchema().dump(visit), 201 if created else 200


@bp.get("/reports/training")
@doc("Who meets the training and guidance rules", query=TrainingQuerySchema, response=TrainingReportSchema)
def training_report() -> ResponseReturnValue:
    """Each rural doctor's trainings and days this year, and each specialist's months with guidance."""
    args = load(TrainingQuerySchema(), {k: v for k, v in request.args.items() if v != ""})
    return TrainingReportSchema().dump(
        service.training_report(current_user(), args["township_id"], args["year"])
    )
