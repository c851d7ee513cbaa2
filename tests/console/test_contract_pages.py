"""Teams, contract coverage (township and county), exports and the resident's contracts in the console."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.contracts.models import Contract, Team
from fieldapp.extensions import db
from fieldapp.timeutil import local_today
from tests.builders import create_facility, create_resident, create_township, create_user, create_village
from tests.console.helpers import post_form, sign_in
from tests.contracts.builders import create_contract, create_team, days


def test_a_manager_forms_a_team_and_signs_and_terminates_on_the_resident_page(client: FlaskClient) -> None:
    township = create_township(name="青山镇")
    village = create_village(township, name="东村")
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    gp = create_user(Role.TOWNSHIP_DOCTOR, township=township)
    specialist = create_user(Role.REFERRAL_DESK, facility=create_facility())
    sign_in(client, manager, "zh")
    page = client.get("/console/teams")
    assert page.status_code == 200 and "家庭医生团队" in page.get_data(as_text=True)
    formed = post_form(
        client,
        "/console/teams",
        {
            "township_id": str(township.id),
            "name": "一队",
            f"role_{gp.id}": "lead",
            f"role_{specialist.id}": "specialist",
        },
    )
    assert formed.status_code == 302
    team = db.session.scalar(select(Team))
    assert team is not None and {m.role for m in team.members} == {"lead", "specialist"}
    assert "县医院专科医生" in client.get("/console/teams").get_data(as_text=True)

    resident = create_resident(village, name="王大爷", birth_date=date(1950, 1, 1))
    signed = post_form(
        client,
        f"/console/residents/{resident.id}/contracts",
        {
            "resident_id": str(resident.id),
            "team_id": str(team.id),
            "signed_on": local_today().isoformat(),
            "packages": "basic",
        },
    )
    assert signed.status_code == 302
    page = client.get(f"/console/residents/{resident.id}").get_data(as_text=True)
    assert "履约中" in page and "65岁及以上老年人" in page
    listed = client.get("/console/residents").get_data(as_text=True)
    assert "一队" in listed
    contract = db.session.scalar(select(Contract))
    assert contract is not None
    post_form(
        client,
        f"/console/contracts/{contract.id}/terminate",
        {"_resident_id": str(resident.id), "reason": "迁出", "on": local_today().isoformat()},
    )
    assert "已解约" in client.get(f"/console/residents/{resident.id}").get_data(as_text=True)


def test_coverage_by_village_with_chart_and_exports_and_the_county_page(client: FlaskClient) -> None:
    township = create_township(code="TS9", name="青山镇")
    east, west = create_village(township, name="东村"), create_village(township, name="西村")
    team = create_team(township)
    today = local_today()
    create_contract(create_resident(east), team, today - days(10))
    create_resident(east)
    create_resident(west)
    manager = create_user(Role.TOWNSHIP_MANAGER, township=township)
    sign_in(client, manager)
    page = client.get("/console/contracts")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text and "东村" in text and "50.0%" in text
    exported = client.get("/console/contracts.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(exported)))
    assert [row[:4] for row in rows[1:]] == [
        ["东村", "2", "1", "0.5"],
        ["西村", "1", "0", "0.0"],
        ["Total", "3", "1", "0.3333"],
    ]
    book = load_workbook(io.BytesIO(client.get("/console/contracts.xlsx").data))
    assert book.active.max_row == 5  # the title row, the header, two villages and the total
    assert client.get("/console/county/contracts").status_code == 403

    admin = create_user(Role.COUNTY_ADMIN)
    sign_in(client, admin)
    county = client.get("/console/county/contracts").get_data(as_text=True)
    assert "青山镇" in county and "<svg" in county and "package-list" in county
    saved = post_form(
        client,
        "/console/county/packages",
        {"_code": "elderly_care", "name": "老年人服务包", "active": "true"},
    )
    assert saved.status_code == 302
    assert "老年人服务包" in client.get("/console/county/contracts").get_data(as_text=True)
    assert client.get(f"/console/contracts?township_id={township.id}").status_code == 200
    assert client.get("/console/county/contracts.csv").status_code == 200


def test_the_queue_and_the_resident_list_filter_by_key_group(client: FlaskClient) -> None:
    from fieldapp.residents.keygroups import flags_to_bits
    from tests.console.builders import create_enrollment

    township = create_township(name="青山镇")
    village = create_village(township)
    today = local_today()
    flagged = create_resident(village, name="孕妇甲", key_group_flags=flags_to_bits(["pregnant"]))
    other = create_resident(village, name="居民乙")
    for resident in (flagged, other):
        create_enrollment(resident, next_due_on=today - days(3))
    sign_in(client, create_user(Role.TOWNSHIP_MANAGER, township=township))
    queue = client.get("/console/queue?status=overdue&key_group=pregnant").get_data(as_text=True)
    assert "孕妇甲" in queue and "居民乙" not in queue
    listed = client.get("/console/residents?key_group=pregnant").get_data(as_text=True)
    assert "孕妇甲" in listed and "居民乙" not in listed
