"""GET /api/v1/queue: due, overdue, lost and all, filtered and paged in SQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment
from fieldapp.followups.service import queue_page
from fieldapp.residents.models import Resident
from fieldapp.residents.schemas import contract_summary
from fieldapp.timeutil import local_today
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.followups.builders import create_enrollment, followup_body


def enroll_due(place, offset_days: int, condition: str = "hypertension", village=None, **kw):
    resident = create_resident(village or place.village, **kw)
    return create_enrollment(resident, condition, next_due_on=local_today() + timedelta(days=offset_days))


def queue(client, user, query: str = ""):
    response = api(client, "get", f"/api/v1/queue?{query}", user)
    assert response.status_code == 200, response.json
    return response.json


def test_states_and_boundaries(client, place):
    today = local_today()
    offsets = {8: "none", 7: "due", 0: "due", -1: "overdue", -90: "overdue", -91: "lost"}
    enrollments = {offset: enroll_due(place, offset) for offset in offsets}
    township_manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)

    def ids(status: str) -> set[str]:
        return {
            item["enrollment_id"] for item in queue(client, township_manager, f"status={status}")["items"]
        }

    def expected(*offsets_in: int) -> set[str]:
        return {str(enrollments[o].id) for o in offsets_in}

    assert ids("due") == expected(7, 0)
    assert ids("overdue") == expected(-1, -90, -91)
    assert ids("lost") == expected(-91)
    assert ids("all") == expected(7, 0, -1, -90, -91)

    items = queue(client, township_manager, "status=all")["items"]
    assert [item["due_on"] for item in items] == sorted(item["due_on"] for item in items)
    by_id = {item["enrollment_id"]: item for item in items}
    assert by_id[str(enrollments[-91].id)]["days_overdue"] == 91
    assert by_id[str(enrollments[-91].id)]["state"] == "lost"
    assert by_id[str(enrollments[7].id)]["days_overdue"] == 0
    assert by_id[str(enrollments[7].id)]["due_on"] == (today + timedelta(days=7)).isoformat()


def test_item_carries_resident_last_followup_and_village_doctor(client, place):
    enrollment = create_enrollment(place.resident)
    for performed_at in ("2026-03-01T10:00:00+08:00", "2026-02-01T10:00:00+08:00"):
        body = {**followup_body(place.resident, sbp=150), "performed_at": performed_at}
        assert api(client, "post", "/api/v1/followups", place.doctor, json=body).status_code == 201
    enroll_due(place, -2, village=place.other_village)
    # Bring the enrollment back into the overdue queue (its newest follow-up set it in March).
    db.session.get(Enrollment, enrollment.id).next_due_on = local_today() - timedelta(days=3)
    db.session.commit()

    manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)
    items = queue(client, manager, "status=overdue")["items"]
    assert len(items) == 2
    first, second = items
    assert first["resident"]["id"] == str(place.resident.id)
    assert first["resident"]["name"] == place.resident.name
    assert first["condition"] == "hypertension"
    assert first["last_followup"]["performed_at"] == "2026-03-01T10:00:00+08:00"
    assert first["doctor"]["id"] == str(place.doctor.id)
    assert second["last_followup"] is None
    assert second["doctor"]["id"] == str(place.other_doctor.id)


def test_village_without_a_doctor_has_none(client, place):
    lonely = create_village(place.township)
    enroll_due(place, -1, village=lonely)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)
    assert queue(client, manager)["items"][0]["doctor"] is None


def test_filters_and_area(client, place):
    enroll_due(place, -1)
    enroll_due(place, -2, condition="diabetes")
    enroll_due(place, -3, village=place.other_village)
    other_township = create_township()
    far_village = create_village(other_township)
    enroll_due(place, -4, village=far_village)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)
    admin = create_user(Role.COUNTY_ADMIN)

    assert queue(client, place.doctor)["total"] == 2
    assert queue(client, manager)["total"] == 3
    assert queue(client, admin)["total"] == 4
    assert queue(client, manager, "condition=diabetes")["total"] == 1
    assert queue(client, manager, f"village_id={place.other_village.id}")["total"] == 1
    assert queue(client, admin, f"township_id={other_township.id}")["total"] == 1
    # another township's filter never widens the caller's area
    assert queue(client, manager, f"township_id={other_township.id}")["total"] == 0
    bad = api(client, "get", "/api/v1/queue?status=soon", manager)
    assert bad.status_code == 422
    desk = create_user(Role.REFERRAL_DESK)
    assert api(client, "get", "/api/v1/queue", desk).status_code == 403


def test_paging(client, place):
    for offset in range(-12, 0):
        enroll_due(place, offset)
    page = queue(client, place.doctor, "status=overdue&per_page=5&page=3")
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (12, 3, 5, 2)
    assert page["items"][-1]["days_overdue"] == 1


def test_one_statement_for_the_page_with_its_contracts_and_one_for_the_total(app, place):
    for offset in range(-30, 0):
        enroll_due(place, offset, village=place.village if offset % 2 else place.other_village)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)
    filters = {"status": "overdue", "township_id": place.township.id}
    assert manager.role  # loaded before counting, as the request's user is
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for per_page in (1, 10, 50):
            statements.clear()
            items, total = queue_page(manager, filters, 1, per_page)
            assert total == 30
            assert len(items) == min(per_page, 30)
            # The page reads its residents' active contracts (team and end date) itself.
            assert len(statements) == 2, "\n\n".join(statements)
            for item in items:  # dumping touches nothing lazy
                assert item.resident.name
                assert contract_summary(item.resident) is None
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_resident_who_moves_takes_the_enrollment_to_the_new_village_queue(client, place):
    enrollment = enroll_due(place, -1)
    resident_id = enrollment.resident_id
    assert queue(client, place.doctor)["total"] == 1
    moved = api(
        client,
        "patch",
        f"/api/v1/residents/{resident_id}",
        create_user(Role.TOWNSHIP_MANAGER, township=place.township),
        json={"village_id": str(place.other_village.id)},
    )
    assert moved.status_code == 200, moved.json
    assert queue(client, place.doctor)["total"] == 0
    items = queue(client, place.other_doctor)["items"]
    assert [item["enrollment_id"] for item in items] == [str(enrollment.id)]
    assert items[0]["doctor"]["id"] == str(place.other_doctor.id)


def test_every_queue_shows_the_residents_contract_team_in_as_many_statements_with_or_without(client, place):
    from tests.contracts.builders import create_contract, create_team

    signed = enroll_due(place, -3)
    enroll_due(place, -2)
    team = create_team(place.township, "第二家庭医生团队")
    create_contract(db.session.get(Resident, signed.resident_id), team, local_today() - timedelta(days=30))
    manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    for status in ("overdue", "health_check"):
        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            statements.clear()
            page = queue(client, manager, f"status={status}&township_id={place.township.id}")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        contracts = {item["resident"]["id"]: item["resident"]["contract"] for item in page["items"]}
        assert contracts[str(signed.resident_id)]["team"] == {"id": str(team.id), "name": "第二家庭医生团队"}
        assert list(contracts.values()).count(None) == 1
        # No statement for the team's members, their users or villages.
        heads = ("SELECT team_members", "SELECT user_villages.user_id")
        assert not [s for s in statements if s.lstrip().startswith(heads)], status


def test_every_queue_page_is_what_marshmallow_dumps_of_it(client, place, monkeypatch):
    """The queue's answer is dumped by a ``Dumper``: item for item what QueuePageSchema dumps
    (resident with contract and key groups, last follow-up, doctor, last contact, nulls)."""
    from fieldapp.followups import api as followups_api
    from fieldapp.followups import service
    from fieldapp.followups.schemas import QueuePageSchema
    from tests.contracts.builders import create_contract, create_team

    enrollment = create_enrollment(place.resident)
    body = {**followup_body(place.resident, sbp=150), "performed_at": "2026-03-01T10:00:00+08:00"}
    assert api(client, "post", "/api/v1/followups", place.doctor, json=body).status_code == 201
    contact = {
        "resident_id": str(place.resident.id),
        "at": "2026-03-02T10:00:00+08:00",
        "channel": "phone",
        "result": "unreachable",
    }
    assert api(client, "post", "/api/v1/contact-attempts", place.doctor, json=contact).status_code == 201
    create_contract(place.resident, create_team(place.township), local_today() - timedelta(days=30))
    db.session.get(Enrollment, enrollment.id).next_due_on = local_today() - timedelta(days=3)
    db.session.commit()
    enroll_due(place, -2, village=place.other_village)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)
    pages: list[dict] = []
    queue_page_of = service.queue_page

    def kept(*args, **kwargs):
        found, total = queue_page_of(*args, **kwargs)
        pages.append({"items": found, "total": total, "page": args[2], "per_page": args[3]})
        return found, total

    monkeypatch.setattr(service, "queue_page", kept)
    for status in ("overdue", "health_check"):
        pages.clear()
        answer = queue(client, manager, f"status={status}")
        assert len(answer["items"]) == 2
        assert answer == QueuePageSchema().dump(pages[0]) == followups_api._QUEUE_PAGE(pages[0])
    overdue = queue(client, manager, "status=overdue")["items"]
    assert overdue[0]["last_contact"]["result"] == "unreachable"
    assert overdue[0]["resident"]["contract"] is not None
    assert overdue[1]["last_followup"] is None and overdue[1]["last_contact"] is None


def test_each_queue_and_the_pull_show_the_contract_the_residents_own_page_shows(client, place):
    """A queue reads the active contract in its own statement; it is the one the resident's page
    picks: covering today before a renewal signed early, never one ended or terminated."""
    from fieldapp.screenings.models import Screening
    from fieldapp.timeutil import utcnow
    from tests.contracts.builders import create_contract, create_team

    today = local_today()
    first, second = create_team(place.township, "第一团队"), create_team(place.township, "第二团队")
    renewing = db.session.get(Resident, enroll_due(place, -3).resident_id)
    create_contract(renewing, first, today - timedelta(days=800), today - timedelta(days=400))  # ended
    create_contract(renewing, first, today - timedelta(days=60), terminated_on=today - timedelta(days=5))
    covering = create_contract(renewing, second, today - timedelta(days=300))
    create_contract(renewing, first, today + timedelta(days=20), renews=covering)  # signed early
    waiting = db.session.get(Resident, enroll_due(place, -2).resident_id)
    create_contract(waiting, first, today + timedelta(days=10))  # not yet started
    create_contract(waiting, second, today + timedelta(days=40))
    for resident in (renewing, waiting):
        db.session.add(
            Screening(
                resident_id=resident.id,
                village_id=resident.village_id,
                performed_at=utcnow(),
                sbp=150,
                dbp=95,
                results=["suspected_hypertension"],
                confirm_by=today + timedelta(days=14),
                status="open",
            )
        )
    db.session.commit()
    manager = create_user(Role.TOWNSHIP_MANAGER, township=place.township)
    own = {
        str(r.id): api(client, "get", f"/api/v1/residents/{r.id}", manager).json["contract"]
        for r in (renewing, waiting)
    }
    assert own[str(renewing.id)]["id"] == str(covering.id)
    assert own[str(waiting.id)]["team"]["name"] == "第一团队"
    for status in ("overdue", "screening", "health_check"):
        items = queue(client, manager, f"status={status}&township_id={place.township.id}")["items"]
        shown = {item["resident"]["id"]: item["resident"]["contract"] for item in items}
        assert shown == own, status
    # A phone's pull reads the contract in its page's statement too: the same one.
    pulled = api(client, "post", "/api/v1/sync", place.doctor, json={"records": [], "since": None}).json
    shown = {r["id"]: r["contract"] for r in pulled["changes"]["residents"] if r["id"] in own}
    assert shown == own
