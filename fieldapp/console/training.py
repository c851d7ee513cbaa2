"""Training and guidance pages: record them, and the yearly report of who is behind."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.console.manager import chosen_township, township_pages
from fieldapp.console.reports import chosen_year
from fieldapp.console.web import bp, form_data, me, submit
from fieldapp.org import service as org
from fieldapp.training import service as training
from fieldapp.training.rules import GuidancePlace
from fieldapp.training.schemas import GuidanceVisitSchema, TrainingSchema


@bp.get("/training")
@township_pages
def training_page() -> ResponseReturnValue:
    """This year's trainings and guidance visits, who is behind on either rule, and forms to record them."""
    user = me()
    township, year = chosen_township(user), chosen_year()
    report = training.training_report(user, township.id, year)
    return render_template(
        "console/training.html",
        township=township,
        year=year,
        report=report,
        trainings=training.list_trainings(user, township.id, year),
        visits=training.list_guidance_visits(user, township.id, year),
        doctors=[row["doctor"] for row in report["doctors"]],  # the township's village doctors
        villages=org.list_villages(user, township.id),
        facilities=org.list_facilities(),
        places=[p.value for p in GuidancePlace],
    )


@bp.post("/training")
@township_pages
def record_training() -> ResponseReturnValue:
    """Record a training and its attendees."""
    user = me()
    township = chosen_township(user)
    back = url_for(".training_page", township_id=township.id)
    return submit(
        lambda: training.create_training(user, form_data(TrainingSchema(), lists=("attendee_ids",))),
        _("Training recorded."),
        back,
    )


@bp.post("/guidance-visits")
@township_pages
def record_guidance_visit() -> ResponseReturnValue:
    """Record a county specialist's guidance visit."""
    user = me()
    township = chosen_township(user)
    back = url_for(".training_page", township_id=township.id)
    return submit(
        lambda: training.create_guidance_visit(user, form_data(GuidanceVisitSchema())),
        _("Guidance visit recorded."),
        back,
    )
