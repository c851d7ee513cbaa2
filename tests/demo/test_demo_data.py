from itertools import pairwise

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp, Visit
from fieldapp.followups.rules import Classification, Condition, Measurements, assess
from fieldapp.patrols.models import Patrol
from fieldapp.referrals.models import Referral
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_date, local_today
from fieldapp.training.models import GuidanceVisit, Training
from fieldapp.verifications.models import Verification


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_county_has_enrollments_followups_patrols_and_referrals(runner):
    result = runner.invoke(args=["demo-data", "--residents", "600"])
    assert result.exit_code == 0, result.output
    for username in ("admin", "manager", "doctor", "village", "desk"):
        assert f"  {username}" in result.output
    assert "fieldapp-demo" in result.output

    assert _count(Resident) == 600
    enrollments = _count(Enrollment)
    assert 80 <= enrollments <= 160  # about 20 per 100 residents
    assert _count(Enrollment, Enrollment.condition == "hypertension") > _count(
        Enrollment, Enrollment.condition == "diabetes"
    )
    today = local_today()
    assert _count(Enrollment, Enrollment.status == "active", Enrollment.next_due_on < today) > 0
    assert _count(FollowUp) > 2 * enrollments
    assert _count(FollowUp, FollowUp.mode == "phone") > 0
    # The national form filled: most records complete, some not.
    complete = _count(FollowUp, FollowUp.complete.is_(True))
    assert 0.7 * _count(FollowUp) < complete < _count(FollowUp)
    assert _count(Visit) > 0
    assert _count(Patrol, Patrol.date > today) > 0
    assert _count(Referral, Referral.status == "pending") >= 2
    confirmed = _count(Verification, Verification.status == "confirmed")
    assert confirmed > _count(Verification, Verification.status == "denied") > 0
    assert _count(Verification, Verification.status == "no_answer") > 0
    assert _count(Verification, Verification.status == "asked") == 0
    assert _count(Training) >= 2 and _count(GuidanceVisit) > 0

    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0
    assert "already" in again.output
    assert _count(Resident) == 600


def test_demo_followups_follow_the_rules_and_set_the_due_date(runner):
    assert runner.invoke(args=["demo-data", "--residents", "300"]).exit_code == 0
    rows = db.session.execute(
        select(FollowUp, Resident.birth_date)
        .join(Resident, Resident.id == FollowUp.resident_id)
        .order_by(FollowUp.enrollment_id, FollowUp.performed_at)
    ).all()
    by_enrollment: dict = {}
    for followup, birth in rows:
        by_enrollment.setdefault(followup.enrollment_id, []).append((followup, birth))
    for history in by_enrollment.values():
        previous = None
        for followup, birth in history:
            measured = Measurements(
                condition=Condition(followup.condition),
                sbp=followup.sbp,
                dbp=followup.dbp,
                heart_rate=followup.heart_rate,
                fasting_glucose=followup.fasting_glucose,
                adverse_reaction=followup.adverse_reaction,
                measured=followup.mode != "phone",
            )
            outcome = assess(
                measured,
                birth_date=birth,
                performed_on=local_date(followup.performed_at),
                previous=previous,
            )
            assert followup.classification == outcome.classification
            assert followup.referral_recommended == outcome.referral_recommended
            assert followup.measured == measured.measured
            if followup.measured:
                assert followup.next_due_on == outcome.next_due_on
                previous = Classification(followup.classification)
            else:  # a call never postpones the visit: at most the rules' date
                assert followup.next_due_on <= outcome.next_due_on
        assert all(a.performed_at < b.performed_at for (a, _), (b, _) in pairwise(history))
    for enrollment in db.session.scalars(select(Enrollment).where(Enrollment.status == "active")):
        history = by_enrollment.get(enrollment.id)
        expected = history[-1][0].next_due_on if history else enrollment.enrolled_on
        assert enrollment.next_due_on == expected
