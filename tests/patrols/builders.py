"""Patrols written straight to the database."""

from __future__ import annotations

from datetime import date

from fieldapp.extensions import db
from fieldapp.org.models import Village
from fieldapp.patrols.models import Patrol


def create_patrol(village: Village, on: date = date(2026, 12, 1), team: list[str] | None = None) -> Patrol:
    patrol = Patrol(village_id=village.id, township_id=village.township_id, date=on, team=team or [])
    db.session.add(patrol)
    db.session.commit()
    return patrol
