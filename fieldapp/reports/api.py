"""``/api/v1/reports/*``: BPHS indicators and village coverage."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from fieldapp.auth.context import current_user
from fieldapp.http import load
from fieldapp.openapi import doc
from fieldapp.reports import service
from fieldapp.reports.schemas import CoverageSchema, IndicatorsSchema, ReportQuerySchema

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")


def _query() -> dict[str, Any]:
    """The report's query parameters; empty ones count as absent."""
    args: dict[str, Any] = load(ReportQuerySchema(), {k: v for k, v in request.args.items() if v != ""})
    return args


@bp.get("/indicators")
@doc(
    "BPHS indicators of a township or the county for a year",
    query=ReportQuerySchema,
    response=IndicatorsSchema,
)
def indicators() -> ResponseReturnValue:
    """Managed, standardized and controlled residents per condition, plus workload counts."""
    args = _query()
    return IndicatorsSchema().dump(service.indicators(current_user(), args["township_id"], args["year"]))


@bp.get("/coverage")
@doc("Visits per village and blank spots", query=ReportQuerySchema, response=CoverageSchema)
def coverage() -> ResponseReturnValue:
    """Each village's last visit, visits in 30 days, and whether it is a blank spot."""
    args = _query()
    return CoverageSchema().dump({"villages": service.coverage(current_user(), args["township_id"])})
