"""A field user's pull read village by village answers exactly what the join to residents answers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fieldapp.auth.models import Role, User
from fieldapp.contacts.models import ContactAttempt
from fieldapp.extensions import db
from fieldapp.followups.models import FollowUp
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.residents.models import VILLAGE_COPIES, Resident
from fieldapp.sync import service
from fieldapp.timeutil import local_today, utcnow
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.console.helpers import count_statements
from tests.contracts.builders import create_contract, create_team
from tests.followups.builders import create_enrollment
from tests.reports.builders import create_followup, create_health_check, create_screening

Page = tuple[str, bool, dict[str, list[str]]]


def _records_of(resident: Resident, team: Any, n: int) -> None:
    """One row of every resident-bound feed, each in a flush of its own."""
    enrollment = create_enrollment(resident)
    create_followup(enrollment, (utcnow() - timedelta(days=n + 1)).isoformat())
    create_health_check(resident, local_today() - timedelta(days=n))
    create_screening(resident, (utcnow() - timedelta(days=n + 2)).isoformat(), ["suspected_hypertension"])
    create_contract(resident, team, date(2026, 1, 1))
    db.session.add(
        ContactAttempt(resident_id=resident.id, at=utcnow(), channel="phone", result="unreachable")
    )
    db.session.commit()


def _pull_all(client: FlaskClient, user: User, cursor: str | None = None) -> list[Page]:
    pages: list[Page] = []
    while True:
        response = api(client, "post", "/api/v1/sync", user, json={"records": [], "since": cursor})
        assert response.status_code == 200, response.json
        body = response.json
        changes = {feed: [row["id"] for row in rows] for feed, rows in body["changes"].items()}
        pages.append((body["cursor"], body["more"], changes))
        cursor = body["cursor"]
        if not body["more"]:
            return pages


def _both_ways(
    client: FlaskClient, user: User, monkeypatch: pytest.MonkeyPatch, cursor: str | None = None
) -> list[Page]:
    """Every page by village and by the join to residents; they must be the same pages."""
    with count_statements() as statements:
        by_village = _pull_all(client, user, cursor)
    assert any("LATERAL" in statement for statement in statements), "the pull did not read village by village"
    with monkeypatch.context() as patched, count_statements() as statements:
        patched.setattr(service, "BY_VILLAGE", ())
        joined = _pull_all(client, user, cursor)
    assert not any("LATERAL" in statement for statement in statements)
    assert by_village == joined
    return by_village


def _ids(pages: list[Page], feed: str) -> list[str]:
    return [row_id for _cursor, _more, changes in pages for row_id in changes[feed]]


def test_every_feed_by_village_pages_as_the_join_does_before_and_after_a_move(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the pull reads village by village on PostgreSQL only")
    app.config["SYNC_PAGE_SIZE"] = 4
    township = create_township()
    villages = [create_village(township, name=name) for name in ("东村", "西村", "南村")]
    team = create_team(township)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[villages[1]])
    elsewhere = create_village(create_township(name="白水镇"))
    residents = [create_resident(villages[n % 3]) for n in range(5)]
    for n, resident in enumerate([*residents, create_resident(elsewhere)]):
        _records_of(resident, team, n)
    # Several villages' rows in one flush: they share a sequence value, and a page cuts through them.
    db.session.add_all(
        ContactAttempt(resident_id=r.id, at=utcnow(), channel="visit", result="unreachable")
        for r in residents
    )
    db.session.commit()

    everything = _both_ways(client, manager, monkeypatch)
    assert len(everything) > 5
    assert len(_ids(everything, "contact_attempts")) == 10
    for feed in ("followups", "health_checks", "screenings", "contracts", "enrollments"):
        assert len(_ids(everything, feed)) == 5, feed
    own = _both_ways(client, doctor, monkeypatch)
    assert sorted(_ids(own, "residents")) == sorted(
        str(r.id) for r in residents if r.village_id == villages[1].id
    )

    # A resident moves into the doctor's village: their records reach the doctor's phone.
    cursor = own[-1][0]
    mover = residents[0]
    moved = api(
        client, "patch", f"/api/v1/residents/{mover.id}", manager, json={"village_id": str(villages[1].id)}
    )
    assert moved.status_code == 200, moved.json
    since_move = _both_ways(client, doctor, monkeypatch, cursor)
    assert _ids(since_move, "residents") == [str(mover.id)]
    for feed, model in (
        ("followups", FollowUp),
        ("health_checks", HealthCheck),
        ("contact_attempts", ContactAttempt),
    ):
        rows = db.session.query(model).filter_by(resident_id=mover.id).all()
        assert {row.village_id for row in rows} == {villages[1].id}
        assert sorted(_ids(since_move, feed)) == sorted(str(row.id) for row in rows), feed
    assert len(_ids(since_move, "contracts")) == len(_ids(since_move, "screenings")) == 1
    _both_ways(client, manager, monkeypatch)
    _both_ways(client, doctor, monkeypatch)


def test_every_feed_read_by_village_carries_its_residents_village_in_an_index() -> None:
    for model in service.BY_VILLAGE:
        assert model is Resident or model in VILLAGE_COPIES, model
        assert any(
            [column.name for column in index.columns] == ["village_id", "change_seq", "id"]
            for index in model.__table__.indexes
        ), model
