"""``flask --app fieldapp demo-data``: a plausible county to explore, or a synthetic one of any size.

Residents, enrollments and a year of follow-ups go in with bulk Core inserts, a
chunk of residents at a time, so memory stays flat and 300,000 residents take
minutes. Every follow-up is classified by :mod:`fieldapp.followups.rules`, the
same rules the server applies, and each enrollment is due as its newest
follow-up says. Bulk rows share one sync sequence value, like one big write.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from fieldapp.assessment import demo as assessment_demo
from fieldapp.auth.models import Role, User
from fieldapp.auth.service import hash_password
from fieldapp.bulk import insert_rows
from fieldapp.contracts.demo import write_contracts
from fieldapp.dbtypes import SYNC_COUNTER, next_counter_value
from fieldapp.extensions import db
from fieldapp.followups.items import RECORD_ITEMS, SALT, SYMPTOMS, missing_items
from fieldapp.followups.models import Enrollment, FollowUp, FollowUpMedication, Visit
from fieldapp.followups.rules import Classification, Condition, Measurements, assess, body_mass_index
from fieldapp.org.models import Facility, Township, Village
from fieldapp.patrols.models import Patrol
from fieldapp.referrals.models import Referral
from fieldapp.referrals.rules import ack_deadline
from fieldapp.referrals.service import REFERRAL_COUNTER
from fieldapp.residents.identity import check_digit
from fieldapp.residents.models import Resident
from fieldapp.residents.record_numbers import SERIAL_DIGITS, counter_name, take_serials, village_prefix
from fieldapp.screenings.demo import (
    set_expected,
    write_screenings_and_health_checks,
    write_screenings_in_range,
)
from fieldapp.timeutil import local_today, local_zone, utcnow

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华霞平刚桂兰玉珍凤文红建国志海燕春梅金林福荣德"
TOWNSHIP_NAMES = (
    "青山镇", "河口乡", "柳林镇", "石门镇", "龙泉乡", "白沙镇", "清水乡", "桃园镇", "新安镇", "永和乡",
    "长乐镇", "安平乡", "太平镇", "双河乡", "金山镇", "红星乡", "东风镇", "凤凰乡", "黄土镇", "马坪乡",
)  # fmt: skip
VILLAGE_NAMES = ("东村", "西村", "南湾村", "北岭村", "石桥村", "杏花村", "李家庄", "王家坪")
DEMO_PASSWORD = "fieldapp-demo"

CHUNK = 5000  # residents written per batch: bounds memory whatever the county's size
RESIDENTS_PER_VILLAGE = 1000
VILLAGES_PER_TOWNSHIP = 20
MIN_TOWNSHIPS, MIN_VILLAGES_PER_TOWNSHIP = 3, 8
DOCTORLESS_EVERY = 8  # every 8th village has no doctor of its own: patrols serve it
ENROLLED_SHARE = 0.185  # with some residents enrolled twice: about 20 enrollments per 100 residents
BOTH_CONDITIONS_SHARE = 0.08
HYPERTENSION_SHARE = 0.68  # of residents with one condition
CLOSED_SHARE = 0.03
DROPOUT_SHARE = 0.15  # residents whose follow-up stops some time in the year: the overdue queue
MODES = (("clinic", 0.55), ("home", 0.30), ("phone", 0.15))
HISTORY_DAYS = 365


@dataclass
class Place:
    """A village of the synthetic county and who serves it."""

    village_id: uuid.UUID
    township_id: uuid.UUID
    doctor_id: uuid.UUID | None
    # The first 12 digits of its residents' record numbers.
    record_prefix: str


@dataclass
class Stamp:
    """Values every bulk row shares: the sync sequence and the write time."""

    change_seq: int
    now: datetime
    today: date
    zone: Any = field(default_factory=local_zone)

    def columns(self) -> dict[str, Any]:
        """The Synced columns of a bulk row."""
        return {"change_seq": self.change_seq, "created_at": self.now, "updated_at": self.now}

    def instant(self, day: date, rng: random.Random) -> datetime:
        """A working-hours instant (08:00-17:59 local) on ``day``, in UTC."""
        local = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=self.zone)
        return local.astimezone(UTC)


def chinese_name(rng: random.Random) -> str:
    """A plausible Chinese name."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def identity_number(birth: date, serial: int) -> str:
    """A well-formed identity number, unique per serial below ten million (region digits from the serial)."""
    first17 = f"43{(serial // 1000) % 10000:04d}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def county_shape(residents: int) -> tuple[int, int]:
    """How many townships, and villages in each, a county of ``residents`` has (about 1,000 per village)."""
    villages = max(MIN_TOWNSHIPS * MIN_VILLAGES_PER_TOWNSHIP, math.ceil(residents / RESIDENTS_PER_VILLAGE))
    townships = max(MIN_TOWNSHIPS, math.ceil(villages / VILLAGES_PER_TOWNSHIP))
    return townships, max(MIN_VILLAGES_PER_TOWNSHIP, math.ceil(villages / townships))


def _township_name(n: int) -> str:
    base = TOWNSHIP_NAMES[n % len(TOWNSHIP_NAMES)]
    return base if n < len(TOWNSHIP_NAMES) else f"{base[:-1]}{n // len(TOWNSHIP_NAMES) + 1}{base[-1]}"


def _village_name(n: int) -> str:
    base = VILLAGE_NAMES[n % len(VILLAGE_NAMES)]
    return base if n < len(VILLAGE_NAMES) else f"{base[:-1]}{n // len(VILLAGE_NAMES) + 1}{base[-1]}"


def _build_places(residents: int, password: str, hospital: Facility) -> tuple[dict[str, User], list[Place]]:
    """Townships, villages, the named demo users and a doctor for each village that has one."""
    township_count, per_township = county_shape(residents)
    townships = [Township(code=f"TS{t + 1:02d}", name=_township_name(t)) for t in range(township_count)]
    villages = [
        Village(code=f"{township.code}V{v + 1:02d}", name=_village_name(v), township=township)
        for township in townships
        for v in range(per_township)
    ]
    db.session.add_all(townships + villages)
    db.session.flush()
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
    users["village"].villages = villages[:2]
    staff = list(users.values())
    staff += [
        User(
            username=f"manager.{township.code.lower()}",
            role=Role.TOWNSHIP_MANAGER,
            township_id=township.id,
            name=f"{township.name}主任",
        )
        for township in townships[1:]
    ]
    doctors: dict[uuid.UUID, User] = {village.id: users["village"] for village in villages[:2]}
    for n, village in enumerate(villages[2:], start=2):
        if n % DOCTORLESS_EVERY == DOCTORLESS_EVERY - 1:
            continue
        doctor = User(
            username=f"vd.{village.code.lower()}",
            role=Role.VILLAGE_DOCTOR,
            township_id=village.township_id,
            name=f"{village.name}村医",
        )
        doctor.villages = [village]
        doctors[village.id] = doctor
        staff.append(doctor)
    for user in staff:
        user.password_hash = password
    db.session.add_all(staff)
    db.session.flush()
    places = [
        Place(
            village.id,
            village.township_id,
            doctors[village.id].id if village.id in doctors else None,
            village_prefix(village, village.township),
        )
        for village in villages
    ]
    return users, places


def _pick_mode(rng: random.Random) -> str:
    roll = rng.random()
    for mode, share in MODES:
        if roll < share:
            return mode
        roll -= share
    return MODES[-1][0]


def _measure(rng: random.Random, condition: Condition, controlled: bool, measured: bool) -> Measurements:
    """Measurements of one follow-up, under or over target as ``controlled`` says (rarely dangerous).

    By phone (``measured`` False) the values are what the resident reports: kept, never classified.
    """
    if rng.random() < 0.01:
        sbp, dbp = rng.randint(180, 200), rng.randint(100, 115)
    elif controlled or condition == Condition.DIABETES:
        sbp, dbp = rng.randint(112, 138), rng.randint(66, 88)
    else:
        sbp, dbp = rng.randint(141, 176), rng.randint(82, 104)
    glucose = None
    if condition == Condition.DIABETES:
        glucose = round(rng.uniform(4.4, 6.9) if controlled else rng.uniform(7.0, 12.5), 1)
    return Measurements(
        condition=condition,
        sbp=sbp,
        dbp=dbp,
        heart_rate=rng.randint(60, 96),
        fasting_glucose=glucose,
        adverse_reaction=rng.random() < 0.01,
        measured=measured,
    )


def _history(
    rng: random.Random, enrollment: dict[str, Any], birth: date, doctor_id: uuid.UUID | None, stamp: Stamp
) -> Iterator[dict[str, Any]]:
    """A year of follow-ups of one enrollment, each classified by the rules, each due as its predecessor said."""
    window_start = stamp.today - timedelta(days=HISTORY_DAYS)
    enrolled_on: date = enrollment["enrolled_on"]
    day = enrolled_on if enrolled_on >= window_start else window_start + timedelta(days=rng.randint(0, 89))
    last_day = enrollment["closed_on"] or stamp.today - timedelta(days=1)
    if rng.random() < DROPOUT_SHARE:
        last_day = min(last_day, day + timedelta(days=rng.randint(0, HISTORY_DAYS)))
    control = rng.uniform(0.15, 0.85)
    condition = Condition(enrollment["condition"])
    previous: Classification | None = None  # the last face-to-face follow-up's
    due_on = day  # each follow-up comes about when it is due
    height = round(rng.uniform(150, 178), 1)
    while day <= last_day:
        mode = _pick_mode(rng)
        measured = _measure(rng, condition, rng.random() < control, mode != "phone")
        outcome = assess(
            measured, birth_date=birth, performed_on=day, previous=previous, current_due_on=due_on
        )
        form = _form(rng, condition, outcome.classification)
        form.update(sbp=measured.sbp, dbp=measured.dbp, fasting_glucose=measured.fasting_glucose)
        form["heart_rate"] = measured.heart_rate
        if outcome.referral_recommended and rng.random() < 0.8:
            form["referral"] = {
                "reason": "连续两次控制不满意",
                "facility": "县人民医院",
                "department": "内科",
            }
        missing = missing_items(
            condition, form, measured=measured.measured, referral_recommended=outcome.referral_recommended
        )
        record = {name: form[name] for name in RECORD_ITEMS if form.get(name) is not None}
        weight = form.get("weight_kg")
        yield {
            "id": uuid.uuid4(),
            "enrollment_id": enrollment["id"],
            "resident_id": enrollment["resident_id"],
            "village_id": enrollment["village_id"],
            "condition": condition.value,
            "performed_at": stamp.instant(day, rng),
            "mode": mode,
            "sbp": measured.sbp,
            "dbp": measured.dbp,
            "heart_rate": form.get("heart_rate"),
            "weight_kg": weight,
            "fasting_glucose": measured.fasting_glucose,
            "danger_signs": [],
            "adverse_reaction": measured.adverse_reaction,
            "new_complication": False,
            "worsened_complication": False,
            "medication_adherence": form.get("medication_adherence"),
            "record": record,
            "medications": form.get("medications"),
            "medications_recorded": form.get("medications") is not None,
            "measured": measured.measured,
            "late": False,
            "complete": not missing,
            "missing_items": missing,
            "bmi": body_mass_index(weight, height),
            "classification": outcome.classification.value,
            "urgent_referral": outcome.urgent_referral,
            "referral_recommended": outcome.referral_recommended,
            "next_due_on": outcome.next_due_on,
            "performed_by": doctor_id,
            **stamp.columns(),
        }
        if measured.measured:
            previous = outcome.classification
        due_on = outcome.next_due_on
        # A call keeps an earlier due date: the next visit still comes after this one.
        day = max(day + timedelta(days=1), outcome.next_due_on + timedelta(days=rng.randint(-5, 10)))


MEDICINES = {
    Condition.HYPERTENSION: (
        ("氨氯地平", 1, "5mg"),
        ("硝苯地平缓释片", 2, "10mg"),
        ("缬沙坦", 1, "80mg"),
        ("氢氯噻嗪", 1, "12.5mg"),
    ),
    Condition.DIABETES: (("二甲双胍", 2, "0.5g"), ("格列美脲", 1, "2mg"), ("阿卡波糖", 3, "50mg")),
}
INCOMPLETE_SHARE = 0.15  # records with a few items left out (the county counts 3 or more as 不规范)


def _form(rng: random.Random, condition: Condition, classification: Classification) -> dict[str, Any]:
    """The rest of the national form, plausibly filled; some records leave a few items out."""
    symptoms = SYMPTOMS[condition]
    lifestyle: dict[str, Any] = {
        "cigarettes_per_day": {"now": rng.choice((0, 0, 0, 5, 10, 20)), "target": 0},
        "alcohol_liang_per_day": {"now": rng.choice((0, 0, 1, 2)), "target": 0},
        "exercise_per_week": {"now": rng.randint(0, 7), "target": 5},
        "exercise_minutes": {"now": rng.choice((0, 20, 30, 60)), "target": 30},
    }
    if condition == Condition.HYPERTENSION:
        lifestyle["salt"] = {"now": rng.choice(SALT), "target": "light"}
    else:
        lifestyle["staple_food_g_per_day"] = {"now": rng.choice((300, 400, 500)), "target": 300}
    form: dict[str, Any] = {
        "symptoms": ["none"] if rng.random() < 0.7 else sorted(rng.sample(symptoms[1:], rng.randint(1, 2))),
        "weight_kg": round(rng.uniform(50, 85), 1),
        "lifestyle": lifestyle,
        "psychological": rng.choice(("good", "good", "fair")),
        "compliance": rng.choice(("good", "good", "fair", "poor")),
        "medication_adherence": "regular" if classification == Classification.CONTROLLED else "intermittent",
        "medications": [
            {"name": name, "times_per_day": times, "dose": dose}
            for name, times, dose in rng.sample(MEDICINES[condition], rng.randint(1, 2))
        ],
    }
    if condition == Condition.DIABETES:
        form["dorsalis_pedis"] = {"left": "normal", "right": rng.choice(("normal", "normal", "weakened"))}
        form["hypoglycaemia"] = rng.choice(("none", "none", "occasional"))
    if rng.random() < INCOMPLETE_SHARE:
        for name in rng.sample(
            ("symptoms", "weight_kg", "psychological", "compliance", "medications", "lifestyle"),
            rng.randint(1, 4),
        ):
            form[name] = None
    return form


def _conditions(rng: random.Random) -> tuple[Condition, ...]:
    if rng.random() < BOTH_CONDITIONS_SHARE:
        return (Condition.HYPERTENSION, Condition.DIABETES)
    return (Condition.HYPERTENSION,) if rng.random() < HYPERTENSION_SHARE else (Condition.DIABETES,)


def _enrollment(
    rng: random.Random,
    resident: dict[str, Any],
    condition: Condition,
    doctor_id: uuid.UUID | None,
    stamp: Stamp,
) -> dict[str, Any]:
    """One enrollment: most from earlier years, a third within the last year, a few closed since."""
    if rng.random() < 0.3:
        enrolled_on = stamp.today - timedelta(days=rng.randint(1, HISTORY_DAYS))
    else:
        enrolled_on = stamp.today - timedelta(days=rng.randint(HISTORY_DAYS + 1, 5 * HISTORY_DAYS))
    closed_on = None
    if rng.random() < CLOSED_SHARE:
        closed_on = enrolled_on + timedelta(days=rng.randint(0, (stamp.today - enrolled_on).days))
    return {
        "id": uuid.uuid4(),
        "resident_id": resident["id"],
        "village_id": resident["village_id"],
        "condition": condition.value,
        "status": "closed" if closed_on else "active",
        "diagnosed_on": enrolled_on - timedelta(days=rng.randint(0, 400)),
        "enrolled_on": enrolled_on,
        "next_due_on": enrolled_on,
        "closed_on": closed_on,
        "close_reason": rng.choice(("moved", "died", "other")) if closed_on else None,
        "created_by": doctor_id,
        **stamp.columns(),
    }


def _write_residents(
    rng: random.Random,
    first: int,
    count: int,
    places: list[Place],
    stamp: Stamp,
    *,
    serials_by_position: bool = False,
) -> None:
    """Residents ``first`` to ``first + count - 1``, their enrollments and their follow-ups."""
    residents, enrollments, followups = [], [], []
    for n in range(first, first + count):
        place = places[n % len(places)]
        birth = stamp.today - timedelta(days=rng.randint(30 * 365, 90 * 365))
        resident = {
            "id": uuid.uuid4(),
            "name": chinese_name(rng),
            "sex": rng.choice("MF"),
            "birth_date": birth,
            "village_id": place.village_id,
            "id_number": identity_number(birth, n) if rng.random() < 0.8 else None,
            "phone": f"+86139{n:08d}" if rng.random() < 0.7 else None,
            "sms_consent": rng.random() < 0.8,
            "language": "zh",
            **stamp.columns(),
        }
        residents.append(resident)
        if rng.random() >= ENROLLED_SHARE:
            continue
        for condition in _conditions(rng):
            enrollment = _enrollment(rng, resident, condition, place.doctor_id, stamp)
            history = list(_history(rng, enrollment, birth, place.doctor_id, stamp))
            if history and enrollment["status"] == "active":
                enrollment["next_due_on"] = max(history, key=lambda f: f["performed_at"])["next_due_on"]
            enrollments.append(enrollment)
            followups.extend(history)
    if serials_by_position:
        _number_by_position(residents, first, places)
    else:
        _number(residents, places)
    medicines = [
        {"followup_id": f["id"], "position": n, **medicine}
        for f in followups
        for n, medicine in enumerate(f.pop("medications") or [])
    ]
    for model, rows in (
        (Resident, residents),
        (Enrollment, enrollments),
        (FollowUp, followups),
        (FollowUpMedication, medicines),
    ):
        if rows:
            insert_rows(model.__table__, rows, trusted=True)


def _number(residents: list[dict[str, Any]], places: list[Place]) -> None:
    """Record numbers for bulk-inserted residents (the ORM's flush would give them one by one)."""
    prefixes = {place.village_id: place.record_prefix for place in places}
    by_prefix: dict[str, list[dict[str, Any]]] = {}
    for resident in residents:
        by_prefix.setdefault(prefixes[resident["village_id"]], []).append(resident)
    for prefix, group in sorted(by_prefix.items()):  # one lock order for builders side by side
        for resident, number in zip(group, take_serials(db.session(), prefix, len(group)), strict=True):
            resident["record_number"] = number


def _number_by_position(residents: list[dict[str, Any]], first: int, places: list[Place]) -> None:
    """The record numbers :func:`_number` gives, from each resident's place in the county.

    Resident ``n`` lives in place ``n % len(places)`` and is that village's ``n // len(places) + 1``-th:
    builders side by side number their chunks without waiting on each other's counters
    (:func:`_set_serial_counters` sets the counters once at the end).
    """
    for n, resident in enumerate(residents, start=first):
        place = places[n % len(places)]
        resident["record_number"] = f"{place.record_prefix}{n // len(places) + 1:0{SERIAL_DIGITS}d}"


def _set_serial_counters(residents: int, places: list[Place]) -> None:
    """Each village's record-number counter at its last serial, as numbering one by one leaves it."""
    for index, place in enumerate(places):
        taken = (residents - index + len(places) - 1) // len(places)
        if taken:
            next_counter_value(db.session(), counter_name(place.record_prefix), step=taken)


def _write_visits(rng: random.Random, places: list[Place], stamp: Stamp) -> None:
    """Visits to every village; one in five has none in the last 30 days (a blank spot)."""
    rows = []
    for n, place in enumerate(places):
        blank = n % 5 == 4
        ages = [rng.randint(35, 120) for _ in range(rng.randint(1, 4))]
        if not blank:
            ages += [rng.randint(0, 29) for _ in range(rng.randint(1, 6))]
        for age in ages:
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "village_id": place.village_id,
                    "visited_at": stamp.instant(stamp.today - timedelta(days=age), rng),
                    "purpose": "patrol"
                    if place.doctor_id is None
                    else rng.choice(("household", "followup", "education")),
                    "performed_by": place.doctor_id,
                    **stamp.columns(),
                }
            )
    insert_rows(Visit.__table__, rows, trusted=True)


def _write_patrols(users: dict[str, User], places: list[Place], stamp: Stamp) -> None:
    """Patrols of the first township's villages without a doctor: last week, tomorrow and next week."""
    manager, doctor = users["manager"], users["doctor"]
    targets = [p for p in places if p.township_id == manager.township_id and p.doctor_id is None]
    for place in targets:
        for offset in (-7, 1, 8):
            db.session.add(
                Patrol(
                    village_id=place.village_id,
                    township_id=place.township_id,
                    date=stamp.today + timedelta(days=offset),
                    team=[str(manager.id), str(doctor.id)],
                    note="巡回医疗：血压血糖测量、随访",
                    created_by=manager.id,
                )
            )


# (urgency, status, created this long ago): two still pending past their deadline, so escalation shows.
REFERRAL_SCENARIOS = (
    ("emergency", "pending", timedelta(minutes=20)),
    ("urgent", "pending", timedelta(hours=5)),
    ("routine", "pending", timedelta(hours=1)),
    ("routine", "accepted", timedelta(days=3)),
    ("urgent", "completed", timedelta(days=20)),
    ("routine", "declined", timedelta(days=10)),
)


def _write_referrals(users: dict[str, User], hospital: Facility, stamp: Stamp) -> None:
    """A few referrals from the first township's residents with an uncontrolled latest follow-up."""
    village_doctor = users["village"]
    candidates = db.session.scalars(
        select(FollowUp.resident_id)
        .where(
            FollowUp.performed_by == village_doctor.id, FollowUp.classification != Classification.CONTROLLED
        )
        .group_by(FollowUp.resident_id)
        .order_by(FollowUp.resident_id)
        .limit(len(REFERRAL_SCENARIOS))
    ).all()
    for resident_id, (urgency, status, age) in zip(candidates, REFERRAL_SCENARIOS, strict=False):
        created_at = stamp.now - age
        decided = created_at + timedelta(minutes=40)
        referral = Referral(
            number=next_counter_value(db.session(), REFERRAL_COUNTER),
            resident_id=resident_id,
            facility_id=hospital.id,
            township_id=village_doctor.township_id,
            referred_by=village_doctor.id,
            urgency=urgency,
            reason="血压控制不佳，需上级医院调整用药",
            status=status,
            ack_deadline=ack_deadline(created_at, urgency),
            created_at=created_at,
            updated_at=created_at,
        )
        if status in ("accepted", "completed"):
            referral.accepted_at, referral.accepted_by = decided, users["desk"].id
            referral.appointment_at = stamp.now + timedelta(days=2) if status == "accepted" else decided
        if status == "completed":
            referral.outcome, referral.completed_at = (
                "调整降压药后血压平稳，转回乡镇随访",
                decided + timedelta(days=5),
            )
        if status == "declined":
            referral.decline_reason = "建议先在乡镇卫生院复查"
        db.session.add(referral)


def build_county(residents: int, seed: int = 7, now: datetime | None = None, jobs: int = 1) -> dict[str, str]:
    """Create a county with ``residents`` residents, their enrollments and a year of follow-ups; return logins.

    With ``jobs`` above 1 (PostgreSQL), residents and then screenings are written by that
    many processes side by side, each chunk with a random stream of its own: the same
    county in every respect the rules and shares make, though not the same draws as one
    process makes with the seed. Each chunk commits on its own.
    """
    rng = random.Random(seed)
    stamp = Stamp(change_seq=0, now=now or utcnow(), today=local_today(now))
    hospital = Facility(code="CH01", name="县人民医院", kind="county_hospital", phone="+8613800000001")
    db.session.add(hospital)
    users, places = _build_places(residents, hash_password(DEMO_PASSWORD), hospital)
    stamp.change_seq = next_counter_value(db.session(), SYNC_COUNTER)
    if jobs > 1:
        db.session.commit()
        chunks = [(seed, first, min(CHUNK, residents - first)) for first in range(0, residents, CHUNK)]
        _in_processes(jobs, _write_chunk, chunks, places, stamp)
        _set_serial_counters(residents, places)
        bounds = [uuid.UUID(int=n * 2**128 // (jobs * 8) - (1 if n else 0)) for n in range(jobs * 8 + 1)]
        ranges = [(seed, n, bounds[n], bounds[n + 1]) for n in range(jobs * 8)]
        _in_processes(jobs, _write_screening_range, ranges, places, stamp)
        set_expected(stamp.today)
    else:
        for first in range(0, residents, CHUNK):
            _write_residents(rng, first, min(CHUNK, residents - first), places, stamp)
        write_screenings_and_health_checks(seed, stamp.today, stamp.columns())
    _write_visits(rng, places, stamp)
    _write_patrols(users, places, stamp)
    _write_referrals(users, hospital, stamp)
    # Its own random stream: the rest of the county is drawn as before.
    write_contracts(random.Random(seed + 1), users["desk"], stamp)
    db.session.commit()
    assessment_demo.write_demo(rng, hospital.id, stamp.now)
    db.session.commit()
    return {name: DEMO_PASSWORD for name in users}


def _chunk_rng(seed: int, part: int) -> random.Random:
    """The random stream of one chunk of a county built in parallel."""
    return random.Random((seed << 32) + part)


def _write_chunk(task: tuple[int, int, int], places: list[Place], stamp: Stamp) -> None:
    seed, first, count = task
    _write_residents(_chunk_rng(seed, first), first, count, places, stamp, serials_by_position=True)


def _write_screening_range(
    task: tuple[int, int, uuid.UUID, uuid.UUID], places: list[Place], stamp: Stamp
) -> None:
    seed, part, after, up_to = task
    write_screenings_in_range(_chunk_rng(seed + 2, part), stamp.today, stamp.columns(), after, up_to)


_shared: dict[str, Any] = {}


def _start_child(app: Any) -> None:
    """A builder process: its own connections (never the parent's), its own app context."""
    with app.app_context():
        db.engine.dispose(close=False)
    context = app.app_context()
    context.push()
    _shared["context"] = context


def _run_task(call: Any, task: Any, places: list[Place], stamp: Stamp) -> None:
    try:
        call(task, places, stamp)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _in_processes(jobs: int, call: Any, tasks: list[Any], places: list[Place], stamp: Stamp) -> None:
    """``call(task, places, stamp)`` for each task, in ``jobs`` forked processes, each task committed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with multiprocessing.get_context("fork").Pool(jobs, _start_child, (app,)) as pool:
        results = [pool.apply_async(_run_task, (call, task, places, stamp)) for task in tasks]
        for result in results:
            result.get()


@click.command("demo-data")
@click.option("--residents", default=3000, show_default=True, help="How many residents to create.")
@click.option(
    "--seed", default=7, show_default=True, help="Random seed: the same seed builds the same county."
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users already.")
@with_appcontext
def demo_data_command(residents: int, seed: int, if_empty: bool) -> None:
    """Fill an empty database with a demo county."""
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("The database has data already; demo data not loaded.")
            return
        raise click.ClickException("The database is not empty; demo data goes into an empty one.")
    credentials = build_county(residents, seed)
    click.echo("Demo county created. Sign in at http://127.0.0.1:5000/login with:")
    for username, password in credentials.items():
        click.echo(f"  {username:10s} {password}")
    click.echo(f"  (and vd.<village code>, manager.<township code>, e.g. vd.ts01v03: {DEMO_PASSWORD})")
