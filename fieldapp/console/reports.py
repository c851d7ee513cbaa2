"""Indicator, coverage and doctor-work pages, their charts and the indicator export."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role
from fieldapp.console.charts import rate_chart
from fieldapp.console.exports import EXPORT_LANGUAGE, Column, Kind, Table, download, title_line
from fieldapp.console.labels import term
from fieldapp.console.manager import chosen_township, township_pages
from fieldapp.console.web import bp, me
from fieldapp.errors import NotFoundError
from fieldapp.glossary import label
from fieldapp.reports import service as reports
from fieldapp.timeutil import local_today

CONDITIONS = reports.CONDITIONS


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
        charts.append(rate_chart(f"{term('condition', condition)} · {what}", categories, series))
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
        screening_month_rows=[(str(m["month"]), m["screening"]) for m in by_month],
        village_charts=[
            *_condition_charts(names, by_village, _("by village")),
            _screening_chart(names, by_village, _("by village")),
        ],
        month_charts=[
            *_condition_charts(
                [str(m["month"]) for m in by_month], by_month, _("by month"), with_management=True
            ),
            _screening_chart([str(m["month"]) for m in by_month], by_month, _("by month")),
        ],
    )


# The county's report layout: one row per village and the township's total, each condition's
# figures side by side (management, standardized management, control), counts before rates.
REPORT_FIGURES = (
    ("expected", Kind.INT),
    ("managed", Kind.INT),
    ("management_rate", Kind.RATE),
    ("standardized", Kind.INT),
    ("standardized_management_rate", Kind.RATE),
    ("controlled", Kind.INT),
    ("control_rate", Kind.RATE),
    ("health_checked", Kind.INT),
    ("health_check_rate", Kind.RATE),
    ("latest_records", Kind.INT),
    ("complete_records", Kind.INT),
    ("complete_records_rate", Kind.RATE),
)
# The screening figures, one set per village (not per condition).
SCREENING_FIGURES = (
    ("population_35plus", Kind.INT),
    ("screened", Kind.INT),
    ("screening_rate", Kind.RATE),
    ("suspected", Kind.INT),
    ("confirmed", Kind.INT),
)


def indicator_columns(totals: dict[str, Any]) -> list[tuple[str, str, Column]]:
    """``(condition, figure, column)`` for each figure the report service gives, per condition."""
    return [
        (
            condition,
            key,
            Column(
                key,
                kind,
                header=f"{label('condition', condition, EXPORT_LANGUAGE)} {label('column', key, EXPORT_LANGUAGE)}",
            ),
        )
        for condition in CONDITIONS
        for key, kind in REPORT_FIGURES
        if key in totals[condition]
    ]


def indicator_table(title: str, totals: dict[str, Any], by_village: list[dict[str, Any]]) -> Table:
    """The export: each village, then the township's total row."""
    figures = indicator_columns(totals)
    groups = [*((row["village"].name, row) for row in by_village)]
    groups.append((label("export", "total", EXPORT_LANGUAGE), totals))
    screening = [
        Column(key, kind, header=label("column", key, EXPORT_LANGUAGE)) for key, kind in SCREENING_FIGURES
    ]
    rows = [
        [
            name,
            *(group[condition][key] for condition, key, _c in figures),
            *(group["screening"][key] for key, _kind in SCREENING_FIGURES),
        ]
        for name, group in groups
    ]
    return Table(title, [Column("village"), *(column for _c, _k, column in figures), *screening], rows)


@bp.get("/indicators.<fmt>")
@township_pages
def indicators_export(fmt: str) -> ResponseReturnValue:
    """The indicators by village, and the township's totals, as CSV or XLSX."""
    user = me()
    township, year = chosen_township(user), chosen_year()
    totals = reports.indicators(user, township.id, year)
    what = label("export", "indicators", EXPORT_LANGUAGE)
    title = title_line(
        township.name, what, [f"{year}{label('export', 'year', EXPORT_LANGUAGE)}"], local_today()
    )
    table = indicator_table(title, totals, reports.indicators_by_village(user, township.id, year))
    return download(fmt, f"indicators-{township.code}-{year}", table)


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
