"""A resident's newest height, from follow-ups and health checks alike (a follow-up's BMI uses it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import Date, DateTime, Float, cast, func, literal, null, select, union_all

from fieldapp.extensions import db
from fieldapp.followups.models import FollowUp
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.timeutil import local_date

# On one day a health check's height is the newer: it is measured, where a follow-up may
# carry the height it was given from an earlier record.
FROM_FOLLOWUP = 0
FROM_HEALTH_CHECK = 1


class Height(NamedTuple):
    """One recorded height and when: ordered by day, then a health check after a follow-up."""

    on: date
    source: int
    cm: float


def of_followup(followup: FollowUp) -> Height | None:
    """The height a follow-up recorded, if it has one."""
    if followup.height_cm is None:
        return None
    return Height(local_date(followup.performed_at), FROM_FOLLOWUP, followup.height_cm)


def of_health_check(check: HealthCheck) -> Height | None:
    """The height a health check measured, if it has one."""
    value = (check.items or {}).get("height_cm")
    return None if value is None else Height(check.performed_on, FROM_HEALTH_CHECK, float(value))


def newer(current: Height | None, candidate: Height | None) -> Height | None:
    """The newer of two heights (either may be missing)."""
    if candidate is None:
        return current
    return candidate if current is None or candidate[:2] >= current[:2] else current


def newest_heights(resident_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Height]:
    """Each resident's newest height in one statement: the newest follow-up height and the
    newest health-check height of every resident named, of which the newer wins."""
    ids = list(set(resident_ids))
    if not ids:
        return {}
    checked = HealthCheck.items["height_cm"].as_float()
    followed = (
        select(
            FollowUp.resident_id.label("resident_id"),
            FollowUp.performed_at.label("at"),
            FollowUp.height_cm.label("cm"),
            func.row_number()
            .over(
                partition_by=FollowUp.resident_id, order_by=(FollowUp.performed_at.desc(), FollowUp.id.desc())
            )
            .label("n"),
        )
        .where(FollowUp.resident_id.in_(ids), FollowUp.height_cm.is_not(None))
        .subquery("followed")
    )
    checks = (
        select(
            HealthCheck.resident_id.label("resident_id"),
            HealthCheck.performed_on.label("on"),
            checked.label("cm"),
            func.row_number()
            .over(
                partition_by=HealthCheck.resident_id,
                order_by=(HealthCheck.performed_on.desc(), HealthCheck.created_at.desc()),
            )
            .label("n"),
        )
        .where(HealthCheck.resident_id.in_(ids), checked.is_not(None))
        .subquery("checks")
    )
    both = union_all(
        select(
            followed.c.resident_id,
            literal(FROM_FOLLOWUP).label("source"),
            followed.c.at,
            cast(null(), Date).label("on"),
            cast(followed.c.cm, Float).label("cm"),
        ).where(followed.c.n == 1),
        select(
            checks.c.resident_id,
            literal(FROM_HEALTH_CHECK),
            cast(null(), DateTime),
            checks.c.on,
            cast(checks.c.cm, Float),
        ).where(checks.c.n == 1),
    )
    found: dict[uuid.UUID, Height] = {}
    for resident_id, source, at, on, cm in db.session.execute(both):
        height = Height(local_date(_aware(at)) if source == FROM_FOLLOWUP else on, source, cm)
        found[resident_id] = newer(found.get(resident_id), height)  # type: ignore[assignment]
    return found


def _aware(value: datetime) -> datetime:
    """An instant as UTC-aware, however the union's column returned it (stored naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
