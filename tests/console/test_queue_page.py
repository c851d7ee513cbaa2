"""The follow-up queue page and its export, checked against GET /api/v1/queue; bounded queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.timeutil import local_today
from tests.builders import api, create_resident, create_township, create_user, create_village
from tests.console.builders import create_enrollment, create_followup
from tests.console.helpers import count_statements, sign_in


@pytest.fixture
def queue_world(app: object) -> dict[str, object]:
    """东村 (doctor 孙): one overdue, one lost; 西村 (no doctor): one due; 远村 in another township: overdue."""
    today = local_today()
    home = create_township(code="TS1", name="青山镇")
    east, west = create_village(home, name="东村"), create_village(home, name="西村")
    far = create_village(create_township(code="TS2", name="河口乡"), name="远村")
    doctor = create_user(Role.VILLAGE_DOCTOR, username="sun", township=home, villages=[east])
    overdue = create_resident(east, name="逾期甲")
    enrollment = create_enrollment(overdue, next_due_on=today - timedelta(days=10))
    create_followup(
        enrollment, datetime(2026, 8, 3, 2, tzinfo=UTC), sbp=150, dbp=95, classification="uncontrolled"
    )
    create_enrollment(
        create_resident(east, name="失访乙"), condition="diabetes", next_due_on=today - timedelta(days=120)
    )
    create_enrollment(create_resident(west, name="将到丙"), next_due_on=today + timedelta(days=3))
    create_enrollment(create_resident(west, name="不到丁"), next_due_on=today + timedelta(days=30))
    create_enrollment(create_resident(far, name="外乡戊"), next_due_on=today - timedelta(days=5))
    return {
        "home": home,
        "east": east,
        "west": west,
        "doctor": doctor,
        "manager": create_user(Role.TOWNSHIP_MANAGER, township=home),
    }


def _names(page: str, names: tuple[str, ...]) -> set[str]:
    return {name for name in names if name in page}


ALL = ("逾期甲", "失访乙", "将到丙", "不到丁", "外乡戊")


def test_queue_states_filter_who_is_listed(client: FlaskClient, queue_world: dict) -> None:
    sign_in(client, queue_world["manager"])
    queue = lambda query: _names(client.get(f"/console/queue?{query}").get_data(as_text=True), ALL)  # noqa: E731
    assert queue("") == {"逾期甲", "失访乙"}  # overdue by default
    assert queue("status=due") == {"将到丙"}
    assert queue("status=lost") == {"失访乙"}
    assert queue("status=all") == {"逾期甲", "失访乙", "将到丙"}
    assert queue("status=all&condition=diabetes") == {"失访乙"}
    assert queue(f"status=all&village_id={queue_world['west'].id}") == {"将到丙"}
    assert queue(f"status=all&doctor_id={queue_world['doctor'].id}") == {"逾期甲", "失访乙"}


def test_queue_sorts_and_counts_per_village(client: FlaskClient, queue_world: dict) -> None:
    sign_in(client, queue_world["manager"])
    oldest_first = client.get("/console/queue?status=all").get_data(as_text=True)
    assert oldest_first.index("失访乙") < oldest_first.index("逾期甲") < oldest_first.index("将到丙")
    newest_first = client.get("/console/queue?status=all&sort=due_desc").get_data(as_text=True)
    assert newest_first.index("将到丙") < newest_first.index("逾期甲") < newest_first.index("失访乙")
    counts = oldest_first[oldest_first.index('id="village-counts"') : oldest_first.index('id="queue"')]
    east_row = counts[counts.index("东村") :].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in east_row.split('class="num">')[1:]] == ["0", "2", "1"]


def test_the_counts_per_village_follow_the_doctor_filter(client: FlaskClient, queue_world: dict) -> None:
    sign_in(client, queue_world["manager"])
    page = client.get(f"/console/queue?doctor_id={queue_world['doctor'].id}").get_data(as_text=True)
    counts = page[page.index('id="village-counts"') : page.index('id="queue"')]
    assert "东村" in counts and "西村" not in counts  # the doctor serves 东村 only


def test_a_doctor_of_another_township_is_a_404(client: FlaskClient, queue_world: dict) -> None:
    stranger = create_user(Role.VILLAGE_DOCTOR, township=create_township())
    sign_in(client, queue_world["manager"])
    assert client.get(f"/console/queue?doctor_id={stranger.id}").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_queue_export_matches_the_api(client: FlaskClient, queue_world: dict, fmt: str) -> None:
    manager = queue_world["manager"]
    from_api = api(client, "get", "/api/v1/queue?status=all&per_page=200", manager).get_json()
    sign_in(client, manager)
    response = client.get(f"/console/queue.{fmt}?status=all")
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert "青山镇" in rows[0][0] and "全部" in rows[0][0]  # the title row: township and filter
        rows = rows[1:]
    header, body = rows[0], rows[1:]
    exported = [dict(zip(header, row, strict=True)) for row in body]
    assert len(exported) == from_api["total"] == 3
    for mine, theirs in zip(exported, from_api["items"], strict=True):
        assert mine["姓名"] == theirs["resident"]["name"]
        assert mine["应随访日期"][:10] == theirs["due_on"]
        assert int(mine["逾期天数"]) == theirs["days_overdue"]
        assert mine["病种"] == {"hypertension": "高血压", "diabetes": "2型糖尿病"}[theirs["condition"]]
    assert exported[1]["末次血压(mmHg)"] == "150/95" and exported[1]["责任医生"] == "sun"
    assert exported[1]["末次随访分类"] == "控制不满意" and exported[1]["状态"] == "已逾期"


def test_queue_page_runs_a_bounded_number_of_queries(client: FlaskClient, queue_world: dict) -> None:
    manager = queue_world["manager"]
    sign_in(client, manager)
    db.session.expire_all()  # both requests start alike: nothing cached in the session
    with count_statements() as few:
        client.get("/console/queue?status=all")
    today = local_today()
    for n in range(60):
        resident = create_resident(queue_world["east" if n % 2 else "west"], name=f"多人{n}")
        enrollment = create_enrollment(resident, next_due_on=today - timedelta(days=n + 1))
        create_followup(enrollment, datetime(2026, 9, 1, 2, tzinfo=UTC))
    db.session.expire_all()
    with count_statements() as many:
        page = client.get("/console/queue?status=all&per_page=100").get_data(as_text=True)
    assert page.count("多人") == 60
    # 12, and one for the listed residents' contracts (team and end date).
    assert len(many) == len(few) <= 13, "\n".join(s[:120] for s in many)
