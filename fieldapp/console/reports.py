"""Indicator, coverage and doctor-work pages, their charts and the indicator export."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role
from fieldapp.console.charts import rate_chart
from fieldapp.console.exports import table_download
from fieldapp.console.labels import word
from fieldapp.console.manager import chosen_township, township_pages
from fieldapp.console.web import bp, me
from fieldapp.errors import NotFoundError
from fieldapp.reports import service as reports
from fieldapp.timeutil import local_today

CONDITIONS = reports.CONDITIONS
COUNTS = (
    "managed",
    "expected",
    "management_rate",
    "standardized",
    "standardized_management_rate",
    "controlled",
    "control_rate",
    "health_checked",
    "health_check_rate",
    "latest_records",
    "complete_records",
    "complete_records_rate",
)
SCREENING_COUNTS = ("population_35plus", "screened", "screening_rate", "suspected", "confirmed")


def chosen_year() -> int:
    """``?year=`` (2000–2100), default this year; anything else is a 404."""
    raw = request.args.get("year", "")
    if not raw:
        return local_today().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise NotFoundError(_("No such year."))
    return int(raw)


def _condition_charts(
    categories: list[str], groups: list[dict[str, Any]], what: str, with_management: bool = False
) -> list[Any]:
    """One chart per condition: control, standardized management and health-check rates for each
    group (and the management rate, where expected figures apply)."""
    charts = []
    for condition in CONDITIONS:
        series = {
            _("Control rate"): [g[condition]["control_rate"] for g in groups],
            _("Standardized management rate"): [g[condition]["standardized_management_rate"] for g in groups],
            _("Health check rate"): [g[condition]["health_check_rate"] for g in groups],
        }
        if with_management and any(g[condition]["management_rate"] is not None for g in groups):
            series[_("Management rate")] = [g[condition]["management_rate"] or 0.0 for g in groups]
        charts.append(rate_chart(f"{word(condition)} · {what}", categories, series))
    return charts


def _screening_chart(categories: list[str], groups: list[dict[str, Any]], what: str) -> Any:
    return rate_chart(
        f"{_('Screening')} · {what}",
        categories,
        {_("Screening rate"): [g["screening"]["screening_rate"] for g in groups]},
    )


@bp.get("/indicators")
@township_pages
def indicators() -> ResponseReturnValue:
    """A township's BPHS indicators for a year, by village and by month, with charts."""
    user = me()
    township, year = chosen_township(user), chosen_year()
    by_village = reports.indicators_by_village(user, township.id, year)
    by_month = reports.indicators_by_month(user, township.id, year)
    totals = reports.indicators(user, township.id, year)
    names = [row["village"].name for row in by_village]
    return render_template(
        "console/indicators.html",
        township=township,
        year=year,
        totals=totals,
        table=[*((row["village"].name, None, row) for row in by_village), (_("Total"), None, totals)],
        screening_rows=[
            *((row["village"].name, row["screening"]) for row in by_village),
            (_("Total"), totals["screening"]),
        ],
        by_month=by_month,
        by_month_rows=[(str(m["month"]), None, m) for m in by_month],
        village_charts=[
            *_condition_charts(names, by_village, _("by village")),
            _screening_chart(names, by_village, _("by village")),
        ],
        month_charts=_condition_charts(
            [str(m["month"]) for m in by_month], by_month, _("by month"), with_management=True
        ),
    )


def indicator_rows(totals: dict[str, Any], by_village: list[dict[str, Any]]) -> list[list[Any]]:
    """The export's rows: each village and condition, then the township's totals."""
    rows = []
    for group, name in [*((row, row["village"].name) for row in by_village), (totals, _("Total"))]:
        screening = [group["screening"][key] for key in SCREENING_COUNTS]
        for condition in CONDITIONS:
            rows.append([name, condition, *(group[condition][key] for key in COUNTS), *screening])
    return rows


@bp.get("/indicators.<fmt>")
@township_pages
def indicators_export(fmt: str) -> ResponseReturnValue:
    """The indicators by village, and the township's totals, as CSV or XLSX."""
    user = me()
    township, year = chosen_township(user), chosen_year()
    totals = reports.indicators(user, township.id, year)
    rows = indicator_rows(totals, reports.indicators_by_village(user, township.id, year))
    header = [_("Village"), _("Condition"), *COUNTS, *SCREENING_COUNTS]
    return table_download(fmt, f"indicators-{township.code}-{year}", header, rows)


@bp.get("/county")
@roles_required(Role.COUNTY_ADMIN)
def county_indicators() -> ResponseReturnValue:
    """County-wide indicators and each township's, with charts."""
    user = me()
    year = chosen_year()
    by_township = reports.indicators_by_township(user, year)
    townships = [row["township"] for row in by_township]
    totals = reports.indicators(user, None, year)
    links = [url_for(".indicators", township_id=t.id, year=year) for t in townships]
    names = [t.name for t in townships]
    return render_template(
        "console/county.html",
        year=year,
        totals=totals,
        townships=townships,
        table=[*zip(names, links, by_township, strict=True), (_("County"), None, totals)],
        screening_rows=[
            *((row["township"].name, row["screening"]) for row in by_township),
            (_("County"), totals["screening"]),
        ],
        charts=[
            *_condition_charts(names, by_township, _("by township"), with_management=True),
            _screening_chart(names, by_township, _("by township")),
        ],
    )


@bp.get("/coverage")
@township_pages
def coverage() -> ResponseReturnValue:
    """Each village's visits in the last 30 days; blank spots first, each with a link to plan a patrol."""
    user = me()
    township = chosen_township(user)
    villages = sorted(reports.coverage(user, township.id), key=lambda row: not row["blank_spot"])
    return render_template("console/coverage.html", township=township, villages=villages)


@bp.get("/doctors/work")
@township_pages
def doctor_work() -> ResponseReturnValue:
    """Each doctor's follow-ups and visits by month and the share of their residents overdue."""
    user = me()
    township, year = chosen_township(user), chosen_year()
    return render_template(
        "console/doctor_work.html",
        township=township,
        year=year,
        work=reports.doctor_work(user, township.id, year),
    )
