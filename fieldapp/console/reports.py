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
from fieldapp.org import service as org
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


def _condition_charts(categories: list[str], groups: list[dict[str, Any]], what: str) -> list[Any]:
    """One chart per condition: control rate and standardized management rate for each group."""
    return [
        rate_chart(
            f"{term('condition', condition)} · {what}",
            categories,
            {
                _("Control rate"): [g[condition]["control_rate"] for g in groups],
                _("Standardized management rate"): [
                    g[condition]["standardized_management_rate"] for g in groups
                ],
            },
        )
        for condition in CONDITIONS
    ]


@bp.get("/indicators")
@township_pages
def indicators() -> ResponseReturnValue:
    """A township's BPHS indicators for a year, by village and by month, with charts."""
    user = me()
    township, year = chosen_township(user), chosen_year()
    by_village = reports.indicators_by_village(user, township.id, year)
    by_month = reports.indicators_by_month(user, township.id, year)
    totals = reports.indicators(user, township.id, year)
    return render_template(
        "console/indicators.html",
        township=township,
        year=year,
        totals=totals,
        table=[*((row["village"].name, None, row) for row in by_village), (_("Total"), None, totals)],
        by_month=by_month,
        village_charts=_condition_charts(
            [row["village"].name for row in by_village], by_village, _("by village")
        ),
        month_charts=_condition_charts([str(m["month"]) for m in by_month], by_month, _("by month")),
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
    rows = [[name, *(group[condition][key] for condition, key, _c in figures)] for name, group in groups]
    return Table(title, [Column("village"), *(column for _c, _k, column in figures)], rows)


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
    townships = org.list_townships(user)
    by_township = township_totals(reports.indicators_by_village(user, None, year))
    groups = [by_township.get(t.id, empty_block()) for t in townships]
    totals = reports.indicators(user, None, year)
    links = [url_for(".indicators", township_id=t.id, year=year) for t in townships]
    return render_template(
        "console/county.html",
        year=year,
        totals=totals,
        townships=townships,
        table=[*zip([t.name for t in townships], links, groups, strict=True), (_("County"), None, totals)],
        charts=_condition_charts([t.name for t in townships], groups, _("by township")),
    )


def empty_block() -> dict[str, dict[str, Any]]:
    """Indicators of an area with nobody managed."""
    return {c: {"managed": 0, "standardized": 0, "controlled": 0, **_rates(0, 0, 0)} for c in CONDITIONS}


def _rates(managed: int, standardized: int, controlled: int) -> dict[str, float]:
    return {
        "standardized_management_rate": reports.rate(standardized, managed),
        "control_rate": reports.rate(controlled, managed),
    }


def township_totals(by_village: list[dict[str, Any]]) -> dict[Any, dict[str, dict[str, Any]]]:
    """Village indicators summed per township (a resident lives in one village, so counts add up)."""
    sums: dict[Any, dict[str, dict[str, Any]]] = {}
    for row in by_village:
        block = sums.setdefault(row["village"].township_id, empty_block())
        for condition in CONDITIONS:
            for key in ("managed", "standardized", "controlled"):
                block[condition][key] += row[condition][key]
    for block in sums.values():
        for counts in block.values():
            counts.update(_rates(counts["managed"], counts["standardized"], counts["controlled"]))
    return sums


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
