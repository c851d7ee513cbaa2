"""Contract figures worked out by hand for one small township on one report date."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.residents.keygroups import flags_to_bits
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.contracts.builders import create_contract, create_team
from tests.messaging.builders import create_enrollment

ON = date(2026, 6, 30)


def test_coverage_key_groups_and_renewal_rate_by_hand(client: FlaskClient) -> None:
    township = create_township()
    east, west = create_village(township, name="东村"), create_village(township, name="西村")
    team = create_team(township)
    elsewhere = create_village(create_township())
    # Six residents of the township (and one elsewhere, never counted).
    ending_today = create_resident(east, birth_date=date(1950, 1, 1))  # elderly
    terminated = create_resident(east, birth_date=date(1961, 6, 30))  # 65 on ON: elderly
    renewed_late = create_resident(east, birth_date=date(1970, 1, 1))
    future = create_resident(west, birth_date=date(1961, 7, 1))  # 65 the day after ON
    plain = create_resident(west, birth_date=date(1980, 1, 1))
    create_resident(west, birth_date=date(1990, 1, 1), key_group_flags=flags_to_bits(["disabled"]))
    create_contract(create_resident(elsewhere), create_team(elsewhere.township), date(2026, 1, 1))
    create_enrollment(renewed_late, ON, "hypertension")
    create_enrollment(plain, ON, "diabetes")
    db.session.commit()

    # 1. A contract ending on the report date: in force that day. Not renewed: ends in the year.
    create_contract(ending_today, team, date(2025, 7, 1), ON)
    # 2. Terminated before the date: not in force; a terminated contract is not counted as ending.
    create_contract(terminated, team, date(2026, 1, 1), terminated_on=date(2026, 3, 1))
    # 3. Ended 2026-03-31, renewed on 2026-04-15 (after its end): in force again, and renewed.
    old = create_contract(renewed_late, team, date(2025, 4, 1), date(2026, 3, 31))
    create_contract(renewed_late, team, date(2026, 4, 15), renews=old)
    # 4. Starts after the date: not in force yet.
    create_contract(future, team, date(2026, 7, 1))
    # 5. Ended 2026-05-31, its renewal signed after the report date: ending, not renewed by ON.
    lapsed = create_contract(plain, team, date(2025, 6, 1), date(2026, 5, 31))
    create_contract(plain, team, date(2026, 7, 10), renews=lapsed)

    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    body = api(client, "GET", f"/api/v1/reports/contracts?on={ON.isoformat()}", manager).get_json()
    # In force on ON: ending_today and renewed_late: 2 of 6.
    assert (body["residents"], body["contracted"], body["coverage"]) == (6, 2, 0.3333)
    groups = body["key_groups"]
    assert groups["elderly"] == {"residents": 2, "contracted": 1, "coverage": 0.5}
    assert groups["hypertension"] == {"residents": 1, "contracted": 1, "coverage": 1.0}
    assert groups["diabetes"] == {"residents": 1, "contracted": 0, "coverage": 0.0}
    assert groups["disabled"] == {"residents": 1, "contracted": 0, "coverage": 0.0}
    assert groups["pregnant"] == {"residents": 0, "contracted": 0, "coverage": 0.0}
    # Ending in 2026, not terminated: ending_today's, old, lapsed (the renewals end in 2027). Renewed by ON: old.
    assert (body["ending_in_year"], body["renewed"], body["renewal_rate"]) == (3, 1, 0.3333)

    admin = create_user(Role.COUNTY_ADMIN)
    county = api(client, "GET", f"/api/v1/reports/contracts?on={ON.isoformat()}", admin).get_json()
    assert (county["residents"], county["contracted"]) == (7, 3)
    same = api(client, "GET", f"/api/v1/reports/contracts?township_id={township.id}&on=2026-06-30", admin)
    assert same.get_json() == body

    from fieldapp.contracts.figures import contract_report_by

    with client.application.test_request_context():
        by_village = contract_report_by(manager, None, ON, "village")
    assert [(row["place"].name, row["residents"], row["contracted"]) for row in by_village] == [
        ("东村", 3, 2),
        ("西村", 3, 0),
    ]
    assert [(row["ending_in_year"], row["renewed"]) for row in by_village] == [(2, 1), (1, 0)]


def test_a_resident_who_moves_takes_the_contract_to_the_new_township(client: FlaskClient) -> None:
    home, away = create_township(), create_township()
    village, new_village = create_village(home), create_village(away)
    resident = create_resident(village)
    create_contract(resident, create_team(home), date(2026, 1, 1))
    admin = create_user(Role.COUNTY_ADMIN)
    moved = api(
        client, "PATCH", f"/api/v1/residents/{resident.id}", admin, json={"village_id": str(new_village.id)}
    )
    assert moved.status_code == 200

    def figures(township):  # type: ignore[no-untyped-def]
        path = f"/api/v1/reports/contracts?township_id={township.id}&on=2026-06-30"
        body = api(client, "GET", path, admin).get_json()
        return body["residents"], body["contracted"], body["ending_in_year"]

    assert figures(away) == (1, 1, 1)
    assert figures(home) == (0, 0, 0)
