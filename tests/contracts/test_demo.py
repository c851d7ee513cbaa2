"""The demo county has teams and contracts: some ending soon, some renewed, some expired."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from fieldapp.contracts.models import Contract, Team
from fieldapp.extensions import db
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_today
from tests.contracts.builders import days


def _count(model, *where):  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_contracts(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo-data", "--residents", "1000"]).exit_code == 0
    today = local_today()
    assert _count(Team) >= 2
    in_force = Contract.terminated_on.is_(None), Contract.starts_on <= today, Contract.ends_on >= today
    contracted = db.session.scalar(select(func.count(func.distinct(Contract.resident_id))).where(*in_force))
    assert 0.3 <= contracted / _count(Resident) <= 0.5
    assert _count(Contract, *in_force, Contract.ends_on <= today + days(30)) > 0
    assert _count(Contract, Contract.renews.is_not(None)) > 0
    assert _count(Contract, Contract.renews.is_not(None), Contract.signed_on > Contract.starts_on) > 0
    renewed = select(Contract.renews).where(Contract.renews.is_not(None))
    assert _count(Contract, Contract.ends_on < today, Contract.id.not_in(renewed)) > 0
