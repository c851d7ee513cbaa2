"""The assessment pages: each village doctor's parts and score, the records behind them,
the verification review list, the county's weights and the township's assessment sheet."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp import glossary
from fieldapp.assessment import service as assessment
from fieldapp.assessment.rules import PARTS
from fieldapp.audit.service import record_bulk_read
from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role
from fieldapp.console.exports import EXPORT_LANGUAGE, Column, Kind, Table, download, title_line
from fieldapp.console.manager import chosen_township, township_pages
from fieldapp.console.queries import pages
from fieldapp.console.web import bp, form_data, me, submit, uuid_arg
from fieldapp.errors import NotFoundError, ValidationError
from fieldapp.http import page_args
from fieldapp.timeutil import local_today
from fieldapp.verifications import service as verifications
from fieldapp.verifications.rules import Finding, VerificationStatus
from fieldapp.verifications.schemas import ReviewSchema

RECORD_KINDS = ("followups", "dues", "outcomes")


def chosen_period() -> str:
    """``?period=``, checked (a bad one is a 404 on a page); default last month."""
    raw = request.args.get("period", "").strip()
    try:
        return assessment.parse_period(raw or None).code
    except ValidationError:
        raise NotFoundError(_("No such period.")) from None


@bp.get("/assessment")
@township_pages
def assessment_page() -> ResponseReturnValue:
    """Each village doctor's parts and score for a period, the trend over its year, links to the records."""
    user = me()
    township, period = chosen_township(user), chosen_period()
    report = assessment.assessment(user, township.id, period)
    months, trend = assessment.yearly_trend(user, township.id, int(period[:4]))
    return render_template(
        "console/assessment.html",
        township=township,
        period=period,
        report=report,
        parts=PARTS,
        months=months,
        trend=trend,
    )


def _sheet(township_name: str, period: str, report: dict[str, Any]) -> Table:
    """The township's assessment sheet: one row per village doctor, in Chinese whatever the console shows."""

    def part(code: str) -> Column:
        return Column(code, Kind.RATE, header=glossary.label("assessment_part", code, EXPORT_LANGUAGE))

    def other(code: str, kind: Kind) -> Column:
        return Column(code, kind, header=glossary.label("assessment_sheet", code, EXPORT_LANGUAGE))

    columns = [
        other("doctor", Kind.TEXT),
        part("quantity"),
        other("followups_done", Kind.INT),
        other("followups_due", Kind.INT),
        part("timeliness"),
        part("completeness"),
        part("authenticity"),
        other("denied", Kind.INT),
        part("outcomes"),
        part("training"),
        other("training_days", Kind.INT),
        other("score", Kind.RATE),
    ]
    rows = [
        [
            row["doctor"].name or row["doctor"].username,
            row["quantity"],
            row["counts"]["done"],
            row["counts"]["due"],
            row["timeliness"],
            row["completeness"],
            row["authenticity"],
            row["denied"],
            row["outcomes"],
            row["training"],
            row["counts"]["training_days"],
            row["score"],
        ]
        for row in report["doctors"]
    ]
    what = glossary.label("assessment_sheet", "title", EXPORT_LANGUAGE)
    title = title_line(township_name, what, [period], local_today())
    return Table(title, columns, rows)


@bp.get("/assessment.<fmt>")
@township_pages
def assessment_export(fmt: str) -> ResponseReturnValue:
    """The township's assessment sheet (CSV or XLSX), in Chinese, every cell safe from formulas."""
    user = me()
    township, period = chosen_township(user), chosen_period()
    report = assessment.assessment(user, township.id, period)
    filters = {"township_id": township.id, "period": period}
    record_bulk_read(user, "assessment", filters, len(report["doctors"]), action="export")
    return download(fmt, f"assessment-{township.code}-{period}", _sheet(township.name, period, report))


@bp.get("/assessment/records")
@township_pages
def assessment_records() -> ResponseReturnValue:
    """The records behind one doctor's number: their follow-ups, their residents' due dates, or outcomes."""
    user = me()
    doctor_id, kind, period = uuid_arg("doctor_id"), request.args.get("kind", ""), chosen_period()
    if doctor_id is None or kind not in RECORD_KINDS:
        raise NotFoundError(_("Not found."))
    doctor = assessment.area_doctor(user, doctor_id)
    finder = {
        "followups": assessment.followup_records,
        "dues": assessment.due_records,
        "outcomes": assessment.outcome_records,
    }[kind]
    rows = finder(user, doctor_id, period)
    filters = {"doctor_id": doctor_id, "kind": kind, "period": period}
    record_bulk_read(user, "assessment_records", filters, len(rows))
    return render_template(
        "console/assessment_records.html", doctor=doctor, kind=kind, period=period, rows=rows
    )


@bp.route("/assessment/weights", methods=["GET", "POST"])
@roles_required(Role.COUNTY_ADMIN)
def assessment_weights() -> ResponseReturnValue:
    """The county admin sets each part's weight in the score."""
    user = me()
    if request.method == "POST":

        def save() -> None:
            values = {}
            for part in PARTS:
                try:
                    values[part.value] = float(request.form.get(part.value, ""))
                except ValueError:
                    values[part.value] = -1.0  # refused with the range message
            assessment.set_weights(user, values)

        return submit(save, _("Weights saved."), url_for(".assessment_weights"))
    return render_template("console/assessment_weights.html", weights=assessment.weights(), parts=PARTS)


@bp.get("/verifications")
@township_pages
def verifications_page() -> ResponseReturnValue:
    """The review list: residents who denied (or did not answer) a follow-up, with their phone to call."""
    user = me()
    township = chosen_township(user)
    page, per_page = page_args(default_per_page=50)
    status = request.args.get("status", VerificationStatus.DENIED.value)
    filters: dict[str, Any] = {
        "township_id": township.id,
        "status": status if status in {s.value for s in VerificationStatus} else None,
        "doctor_id": uuid_arg("doctor_id"),
    }
    if request.args.get("period"):
        filters["period"] = assessment.parse_period(chosen_period())
    rows, total = verifications.list_verifications(user, filters, page, per_page)
    return render_template(
        "console/verifications.html",
        township=township,
        rows=rows,
        status=status,
        statuses=[s.value for s in VerificationStatus],
        findings=[f.value for f in Finding],
        paging=pages(total, page, per_page),
    )


@bp.post("/verifications/<uuid:verification_id>/review")
@roles_required(Role.TOWNSHIP_MANAGER)
def review_verification(verification_id: Any) -> ResponseReturnValue:
    """The manager records what they found when they called the resident."""
    user = me()

    def record() -> None:
        data = form_data(ReviewSchema())
        verifications.review(user, verification_id, data["finding"], data.get("note"))

    back = request.form.get("_back", "")
    # Only back to a console page: never a redirect elsewhere.
    if not back.startswith("/console/") or back.startswith("//"):
        back = url_for(".verifications_page")
    return submit(record, _("Finding recorded."), back)
