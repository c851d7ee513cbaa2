"""``flask --app fieldapp demo-data``: a plausible county to explore."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select

from fieldapp.auth.models import Role, User
from fieldapp.auth.service import hash_password
from fieldapp.extensions import db
from fieldapp.org.models import Facility, Township, Village
from fieldapp.residents.identity import check_digit
from fieldapp.residents.models import Resident

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华霞平刚桂兰玉珍凤文红建国志海燕春梅金林福荣德"
TOWNSHIPS = (("TS01", "青山镇"), ("TS02", "河口乡"), ("TS03", "柳林镇"))
VILLAGE_NAMES = ("东村", "西村", "南湾村", "北岭村", "石桥村", "杏花村", "李家庄", "王家坪")
DEMO_PASSWORD = "fieldapp-demo"


def chinese_name(rng: random.Random) -> str:
    """A plausible Chinese name."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def identity_number(rng: random.Random, birth: date, serial: int) -> str:
    """A well-formed identity number (region 430000 + birth date + serial + check digit)."""
    first17 = f"43{rng.randint(1000, 9999):04d}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def build_county(residents: int, seed: int = 7) -> dict[str, str]:
    """Create townships, villages, a hospital, one user per role and ``residents`` residents."""
    rng = random.Random(seed)
    hospital = Facility(code="CH01", name="县人民医院", kind="county_hospital", phone="+8613800000001")
    db.session.add(hospital)
    townships, villages = [], []
    for t_code, t_name in TOWNSHIPS:
        township = Township(code=t_code, name=t_name)
        townships.append(township)
        for i, v_name in enumerate(VILLAGE_NAMES):
            villages.append(Village(code=f"{t_code}V{i + 1:02d}", name=v_name, township=township))
    db.session.add_all(townships + villages)
    db.session.flush()
    password = hash_password(DEMO_PASSWORD)
    first = townships[0]
    users = {
        "admin": User(username="admin", role=Role.COUNTY_ADMIN, name="县卫健局管理员"),
        "manager": User(
            username="manager",
            role=Role.TOWNSHIP_MANAGER,
            township_id=first.id,
            name="赵主任",
            phone="+8613800000002",
        ),
        "doctor": User(username="doctor", role=Role.TOWNSHIP_DOCTOR, township_id=first.id, name="钱医生"),
        "village": User(username="village", role=Role.VILLAGE_DOCTOR, township_id=first.id, name="孙医生"),
        "desk": User(username="desk", role=Role.REFERRAL_DESK, facility_id=hospital.id, name="转诊办"),
    }
    for user in users.values():
        user.password_hash = password
    users["village"].villages = [v for v in villages if v.township_id == first.id][:2]
    db.session.add_all(users.values())
    db.session.flush()
    rows = []
    today = date.today()
    for n in range(residents):
        birth = today - timedelta(days=rng.randint(30 * 365, 90 * 365))
        rows.append(
            {
                "id": uuid.uuid4(),
                "name": chinese_name(rng),
                "sex": rng.choice("MF"),
                "birth_date": birth,
                "village_id": villages[n % len(villages)].id,
                "id_number": identity_number(rng, birth, n) if rng.random() < 0.8 else None,
                "phone": f"+86139{n:08d}" if rng.random() < 0.7 else None,
                "sms_consent": rng.random() < 0.8,
                "language": "zh",
            }
        )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Resident), rows[start : start + 5000])
    db.session.commit()
    return {name: DEMO_PASSWORD for name in users}


@click.command("demo-data")
@click.option("--residents", default=3000, show_default=True, help="How many residents to create.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users already.")
@with_appcontext
def demo_data_command(residents: int, if_empty: bool) -> None:
    """Fill an empty database with a demo county."""
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("The database has data already; demo data not loaded.")
            return
        raise click.ClickException("The database is not empty; demo data goes into an empty one.")
    credentials = build_county(residents)
    click.echo("Demo county created. Sign in at http://127.0.0.1:5000/login with:")
    for username, password in credentials.items():
        click.echo(f"  {username:10s} {password}")
