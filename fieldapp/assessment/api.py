"""``/api/v1/reports/assessment``: each village doctor's assessment for a period."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.assessment import service
from fieldapp.assessment.schemas import AssessmentQuerySchema, AssessmentSchema
from fieldapp.auth.context import current_user
from fieldapp.http import load
from fieldapp.openapi import doc

bp = Blueprint("assessment_api", __name__, url_prefix="/api/v1/reports")


@bp.get("/assessment")
@doc("The assessment of village doctors", query=AssessmentQuerySchema, response=AssessmentSchema)
def assessment() -> ResponseReturnValue:
    """Quantity, timeliness, completeness, authenticity, outcomes, training and score per village doctor."""
    args = load(AssessmentQuerySchema(), {k: v for k, v in request.args.items() if v != ""})
    return AssessmentSchema().dump(service.assessment(current_user(), args["township_id"], args["period"]))
