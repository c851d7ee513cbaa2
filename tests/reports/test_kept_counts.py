"""PostgreSQL keeps ``followup_years`` as follow-ups are written, and the county's indicators read
from it are the indicators read from the follow-ups, whatever wrote them."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, text, union_all, update

from fieldapp.auth.models import User
from fieldapp.extensions import db
from fieldapp.followups.models import FollowUp, FollowUpMedication
from fieldapp.imports.models import ImportedFollowUp
from fieldapp.org.models import Village
from fieldapp.referrals.models import Referral
from fieldapp.reports import counts, service
from fieldapp.reports.models import FollowUpYear, ScreeningYear
from fieldapp.residents.models import Resident
from fieldapp.screenings.models import ScreeningOutcome
from fieldapp.timeutil import local_today
from fieldapp.verifications.models import Verification
from tests.reports.builders import create_enrollment, create_followup, create_screening

pytestmark = pytest.mark.usefixtures("postgresql_only")


@pytest.fixture
def postgresql_only(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the counts are kept by PostgreSQL's triggers (SQLite's reports read the records)")


def _kept() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    def rows(model: Any) -> list[tuple[Any, ...]]:
        return sorted(tuple(row) for row in db.session.execute(select(model.__table__)))

    return rows(FollowUpYear), rows(ScreeningYear)


def _fresh() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The two tables counted now from the records, as a rebuild would write them."""
    followups, screened = counts.recounted()
    return (
        sorted(tuple(row) for row in db.session.execute(followups)),
        sorted(tuple(row) for row in db.session.execute(screened)),
    )


def _unreferenced(limit: int) -> list[Any]:
    """Follow-ups no verification, referral or import names (those keep theirs)."""
    named = union_all(
        select(Verification.followup_id), select(Referral.followup_id), select(ImportedFollowUp.followup_id)
    ).subquery()
    query = select(FollowUp.id).where(FollowUp.id.not_in(select(named.c[0]).where(named.c[0].is_not(None))))
    return list(db.session.scalars(query.order_by(FollowUp.id).limit(limit)))


def _delete_followups(ids: list[Any]) -> None:
    db.session.execute(delete(FollowUpMedication).where(FollowUpMedication.followup_id.in_(ids)))
    db.session.execute(delete(FollowUp).where(FollowUp.id.in_(ids)))
    db.session.commit()


def _county(runner: Any) -> None:
    assert runner.invoke(args=["demo-data", "--residents", "400"]).exit_code == 0
    db.session.remove()


def _county_figures(by_village: bool) -> tuple[list[Any], list[Any]]:
    year = service.Year.of(local_today().year)
    rows, screening = service._indicator_rows(None, year, by_village=by_village)
    as_dicts = [sorted(vars(row).items(), key=lambda item: item[0]) for row in rows]
    screening_dicts = [sorted(vars(row).items(), key=lambda item: item[0]) for row in screening]
    key = repr
    return sorted(as_dicts, key=key), sorted(screening_dicts, key=key)


def test_a_new_county_is_counted_and_reports_the_same_figures_from_the_counts(
    runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _county(runner)
    assert counts.current()
    assert db.session.scalar(select(func.count()).select_from(FollowUpYear)) > 50
    assert _kept() == _fresh()

    counted = _county_figures(by_village=False), _county_figures(by_village=True)
    monkeypatch.setattr(counts, "current", lambda: False)
    read = _county_figures(by_village=False), _county_figures(by_village=True)
    assert counted == read
    assert counted[0][0], "the county has managed residents"


def test_every_kind_of_write_keeps_the_counts(runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _county(runner)
    followups = list(db.session.scalars(select(FollowUp).order_by(FollowUp.id).limit(40)))
    # Edits of what the counts read: a mode, a pressure, a day moved into last year, a resident merged.
    followups[0].mode = "phone" if followups[0].mode != "phone" else "clinic"
    followups[1].sbp = 170
    followups[2].performed_at = followups[2].performed_at - timedelta(days=400)
    followups[3].complete = not followups[3].complete
    db.session.commit()
    assert _kept() == _fresh()

    db.session.execute(
        update(FollowUp)
        .where(FollowUp.resident_id == followups[4].resident_id)
        .values(resident_id=followups[5].resident_id)
    )
    db.session.commit()
    assert _kept() == _fresh()

    _delete_followups(_unreferenced(14))
    assert _kept() == _fresh()

    # A column the counts do not read changes nothing, and costs no recount.
    db.session.execute(update(FollowUp).values(notes="已核对"))
    db.session.commit()
    assert _kept() == _fresh()

    # Screenings: a suspected one, confirmed within its year; one confirmed the next year; one
    # whose result is corrected; one deleted with its outcome.
    this_year = local_today().year
    residents = list(db.session.scalars(select(Resident).order_by(Resident.id).limit(6)))
    confirmed = create_screening(
        residents[0],
        f"{this_year}-01-05T10:00:00+08:00",
        ["suspected_hypertension"],
        ("hypertension", "confirmed", date(this_year, 1, 20)),
    )
    create_screening(
        residents[1],
        f"{this_year - 1}-12-30T10:00:00+08:00",
        ["suspected_diabetes"],
        ("diabetes", "confirmed", date(this_year, 1, 3)),
    )
    corrected = create_screening(
        residents[2], f"{this_year}-02-01T10:00:00+08:00", ["suspected_hypertension"]
    )
    create_screening(residents[3], f"{this_year}-01-01T00:10:00+08:00", ["normal"])  # 31 Dec, 16:10 UTC
    assert _kept() == _fresh()
    corrected.results = ["normal"]
    db.session.commit()
    assert _kept() == _fresh()
    outcome = db.session.scalar(select(ScreeningOutcome).where(ScreeningOutcome.screening_id == confirmed.id))
    assert outcome is not None
    outcome.outcome = "excluded"
    db.session.commit()
    assert _kept() == _fresh()
    db.session.delete(outcome)
    db.session.flush()
    db.session.delete(confirmed)
    db.session.commit()
    assert _kept() == _fresh()

    # A resident's birth date corrected and another moved village: their copies follow.
    residents[3].birth_date = date(this_year - 30, 5, 1)
    other_village = db.session.scalar(
        select(Village.id).where(Village.id != residents[4].village_id).limit(1)
    )
    residents[4].village_id = other_village
    db.session.commit()
    assert _kept() == _fresh()

    counted = _county_figures(by_village=False), _county_figures(by_village=True)
    monkeypatch.setattr(counts, "current", lambda: False)
    assert counted == (_county_figures(by_village=False), _county_figures(by_village=True))


def test_a_resident_whose_last_followup_of_a_year_goes_loses_that_row(app: Flask) -> None:
    from tests.builders import create_resident, create_township, create_village

    resident = create_resident(create_village(create_township()))
    enrollment = create_enrollment(resident, "hypertension", local_today() - timedelta(days=800))
    last_year = local_today().year - 1
    only = create_followup(enrollment, f"{last_year}-06-01T09:00:00+08:00")
    create_followup(enrollment, f"{last_year + 1}-01-01T00:30:00+08:00")  # 16:30 UTC on 31 Dec
    assert [
        (row.year, row.total) for row in db.session.scalars(select(FollowUpYear).order_by(FollowUpYear.year))
    ] == [
        (last_year, 1),
        (last_year + 1, 1),
    ], "a follow-up counts in its local year"

    db.session.delete(only)
    db.session.commit()
    assert [row.year for row in db.session.scalars(select(FollowUpYear))] == [last_year + 1]


def test_writers_of_one_resident_at_once_both_count(app: Flask) -> None:
    """A second transaction's triggers wait for the first's commit, then count its follow-up too."""
    from tests.builders import create_resident, create_township, create_village

    resident = create_resident(create_village(create_township()))
    enrollment = create_enrollment(resident, "hypertension", local_today() - timedelta(days=30))
    when = f"{local_today().isoformat()}T09:00:00+08:00"
    first = create_followup(enrollment, when)
    row = {c.name: getattr(first, c.name) for c in FollowUp.__table__.columns if c.name != "id"}
    db.session.execute(delete(FollowUp))
    db.session.commit()

    engine = db.engine
    started, second_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with engine.begin() as conn:
                started.wait(10)
                conn.execute(FollowUp.__table__.insert().values(id=uuid.uuid4(), **row))
            second_done.set()
        except BaseException as error:
            errors.append(error)

    with db.engine.connect() as conn:
        trans = conn.begin()
        conn.execute(FollowUp.__table__.insert().values(id=uuid.uuid4(), **row))
        thread = threading.Thread(target=second_writer)
        thread.start()
        started.set()
        assert not second_done.wait(0.5), "the second writer waits for the first"
        trans.commit()
    thread.join(10)
    assert not errors
    assert second_done.is_set()
    db.session.remove()
    assert [row.total for row in db.session.scalars(select(FollowUpYear))] == [2]


def test_an_edit_meeting_a_new_followup_of_the_same_resident_counts_both(app: Flask) -> None:
    """A recount (an edit moving a follow-up into last year) that meets a concurrent insert's new
    row of that year (not yet committed) waits for it, then counts again, seeing it."""
    from tests.builders import create_resident, create_township, create_village

    resident = create_resident(create_village(create_township()))
    enrollment = create_enrollment(resident, "hypertension", local_today() - timedelta(days=800))
    this_year = local_today().year
    edited = create_followup(enrollment, f"{this_year}-03-01T09:00:00+08:00")
    template = {c.name: getattr(edited, c.name) for c in FollowUp.__table__.columns if c.name != "id"}
    engine, edited_id = db.engine, edited.id
    db.session.commit()
    errors: list[BaseException] = []
    edit_done = threading.Event()

    def editor() -> None:
        try:
            with engine.begin() as conn:
                moved = template["performed_at"].replace(year=this_year - 1, day=2)
                conn.execute(
                    update(FollowUp.__table__).where(FollowUp.id == edited_id).values(performed_at=moved)
                )
            edit_done.set()
        except BaseException as error:
            errors.append(error)

    with engine.connect() as conn:
        trans = conn.begin()
        # A new year for this resident: a row of a new key, not yet committed.
        at = template["performed_at"].replace(year=this_year - 1)
        conn.execute(FollowUp.__table__.insert().values({**template, "id": uuid.uuid4(), "performed_at": at}))
        thread = threading.Thread(target=editor)
        thread.start()
        assert not edit_done.wait(0.5), "the edit's recount waits on the new row"
        trans.commit()
    thread.join(10)
    assert not errors
    db.session.remove()
    assert _kept() == _fresh()
    assert [(row.year, row.total) for row in db.session.scalars(select(FollowUpYear))] == [(this_year - 1, 2)]


def test_without_the_triggers_the_county_reads_the_records(runner: Any, app: Flask) -> None:
    _county(runner)
    counted = _county_figures(by_village=False)
    db.session.commit()
    with db.engine.begin() as conn:
        counts.remove(conn)
    assert not counts.current()
    _delete_followups(_unreferenced(30))
    after = _county_figures(by_village=False)
    assert after != counted, "the report saw the deletion although the counts were not kept"

    db.session.commit()
    result = runner.invoke(args=["report-counts"])
    assert result.exit_code == 0, result.output
    assert "followup_years rebuilt" in result.output
    assert counts.current()
    assert _kept() == _fresh()
    assert _county_figures(by_village=False) == after


def test_the_county_report_over_http_is_the_same_with_and_without_counts(
    runner: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _county(runner)
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    from fieldapp.auth.service import issue_token

    raw, _token = issue_token(admin)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    counted = client.get("/api/v1/reports/indicators", headers=headers)
    assert counted.status_code == 200
    monkeypatch.setattr(counts, "current", lambda: False)
    read = client.get("/api/v1/reports/indicators", headers=headers)
    assert counted.get_json() == read.get_json()
    assert counted.get_json()["hypertension"]["managed"] > 0
    assert db.session.scalar(text("SELECT count(*) FROM followup_years")) > 0
