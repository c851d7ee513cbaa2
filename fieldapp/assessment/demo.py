"""Demo data for the assessment: a month of verifications, trainings and guidance visits.

Called by ``flask demo-data`` after the follow-ups exist. The verification sample is
drawn by the real draw (as if on the 1st of last month, for the month before), then
answered: mostly confirmed, a few denied, some never answered.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select, update

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.messaging.models import Message, MessageKind, MessageStatus
from fieldapp.org.models import Township
from fieldapp.timeutil import local_today, local_zone
from fieldapp.training.models import GuidanceVisit, Training
from fieldapp.training.rules import GuidancePlace
from fieldapp.verifications.models import Verification
from fieldapp.verifications.rules import VerificationStatus
from fieldapp.verifications.service import draw_month

CONFIRMED_SHARE, DENIED_SHARE = 0.85, 0.05  # the rest never answer
TRAININGS = (  # (days ago, days, topic, organiser, share of the township's doctors attending)
    (250, 5, "高血压、糖尿病规范化管理", "县卫生健康局", 1.0),
    (110, 7, "基本公共卫生服务规范（第三版）", "县医共体总院", 0.9),
    (30, 3, "常见急症识别与转诊", "县人民医院", 0.5),
)
GUIDANCE_STAFF = (("刘主任医师", 1.0), ("陈副主任医师", 0.6))  # share of months each came


def _answer_verifications(rng: random.Random) -> None:
    for verification in db.session.scalars(select(Verification).order_by(Verification.id)):
        roll = rng.random()
        if roll < CONFIRMED_SHARE + DENIED_SHARE:
            verification.status = (
                VerificationStatus.CONFIRMED if roll < CONFIRMED_SHARE else VerificationStatus.DENIED
            )
            verification.answered_at = verification.asked_at + timedelta(hours=rng.randint(1, 60))
        else:
            verification.status = VerificationStatus.NO_ANSWER
    # The questions went out at the time: nothing of the demo's past is left to send.
    db.session.execute(
        update(Message)
        .where(Message.kind == MessageKind.VERIFICATION, Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.SENT, sent_at=Message.send_after)
    )


def _write_trainings(rng: random.Random, hospital_id: uuid.UUID, now: datetime) -> None:
    today = local_today(now)
    for township in db.session.scalars(select(Township).order_by(Township.code)):
        doctors = list(
            db.session.scalars(
                select(User)
                .where(User.role == Role.VILLAGE_DOCTOR, User.township_id == township.id)
                .order_by(User.username)
            )
        )
        for days_ago, days, topic, organiser, share in TRAININGS:
            attendees = [d for d in doctors if rng.random() < share]
            if attendees:
                db.session.add(
                    Training(
                        township_id=township.id,
                        starts_on=today - timedelta(days=days_ago),
                        days=days,
                        topic=topic,
                        organiser=organiser,
                        attendees=attendees,
                    )
                )
        for name, share in GUIDANCE_STAFF:
            for months_ago in range(1, 13):
                if rng.random() >= share:
                    continue
                db.session.add(
                    GuidanceVisit(
                        visited_on=today - timedelta(days=30 * months_ago),
                        staff_name=name,
                        facility_id=hospital_id,
                        place=GuidancePlace.TOWNSHIP,
                        township_id=township.id,
                        topic="慢病管理业务指导",
                    )
                )


def write_demo(rng: random.Random, hospital_id: uuid.UUID, now: datetime) -> None:
    """Last month-but-one's verification sample with its answers, trainings and guidance visits."""
    first_of_last_month = (local_today(now).replace(day=1) - timedelta(days=1)).replace(day=1)
    drawn_at = datetime.combine(first_of_last_month, time(9, 0), tzinfo=local_zone()).astimezone(UTC)
    draw_month(drawn_at, seed=rng.randrange(2**62))
    _answer_verifications(rng)
    _write_trainings(rng, hospital_id, now)
