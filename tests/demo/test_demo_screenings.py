"""The demo county's screenings, health checks and expected figures make every v2 number non-trivial."""

from sqlalchemy import func, select

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.org.models import Township
from fieldapp.reports.service import indicators
from fieldapp.screenings.models import Screening, ScreeningOutcome
from fieldapp.timeutil import local_today


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_county_has_screenings_health_checks_and_expected_figures(runner):
    assert runner.invoke(args=["demo-data", "--residents", "1500"]).exit_code == 0
    assert _count(Screening) > 300
    assert _count(Screening, Screening.status == "open") > 0
    assert _count(ScreeningOutcome, ScreeningOutcome.outcome == "confirmed") > 0
    assert _count(ScreeningOutcome, ScreeningOutcome.outcome == "excluded") > 0
    confirmed = db.session.scalars(
        select(ScreeningOutcome.enrollment_id).where(ScreeningOutcome.outcome == "confirmed")
    ).all()
    assert _count(Enrollment, Enrollment.id.in_(confirmed)) == len(confirmed)
    assert all(t.expected_hypertension and t.expected_diabetes for t in db.session.scalars(select(Township)))
    admin = db.session.scalar(select(User).where(User.role == Role.COUNTY_ADMIN))
    figures = indicators(admin, None, local_today().year)
    for condition in ("hypertension", "diabetes"):
        block = figures[condition]
        assert 0 < block["management_rate"] < 1.5, block
        assert 0.5 < block["health_check_rate"] < 1, block
        assert 0 < block["control_rate"] < 1, block
    screening = figures["screening"]
    assert 0.3 < screening["screening_rate"] < 1, screening
    assert screening["suspected"] > screening["confirmed"] > 0, screening
    assert _count(HealthCheck) > 0
