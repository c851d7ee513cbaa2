"""Bootstrap commands: create-admin, demo-data and report-counts."""

from __future__ import annotations

import re

from flask.testing import FlaskClient, FlaskCliRunner

from fieldapp.auth.models import Role, User
from fieldapp.extensions import db
from fieldapp.residents.models import Resident
from tests.builders import create_township, create_user


def sign_in(client: FlaskClient, username: str, password: str) -> int:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}).status_code


def test_create_admin_makes_a_county_admin_who_can_sign_in(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    result = runner.invoke(args=["create-admin", "boss", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalars(db.select(User).where(User.username == "boss")).one()
    assert user.role == Role.COUNTY_ADMIN
    assert sign_in(client, "boss", "a-long-password") == 200


def test_create_admin_again_resets_the_password(runner: FlaskCliRunner, client: FlaskClient) -> None:
    runner.invoke(args=["create-admin", "boss", "--password", "a-long-password"])
    result = runner.invoke(args=["create-admin", "boss", "--password", "another-password"])
    assert result.exit_code == 0
    assert sign_in(client, "boss", "a-long-password") == 401
    assert sign_in(client, "boss", "another-password") == 200


def test_create_admin_refuses_short_passwords_and_other_roles(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["create-admin", "boss", "--password", "short"]).exit_code != 0
    create_user(Role.TOWNSHIP_DOCTOR, username="doc", township=create_township())
    result = runner.invoke(args=["create-admin", "doc", "--password", "a-long-password"])
    assert result.exit_code != 0
    assert "township_doctor" in result.output
    assert db.session.scalars(db.select(User).where(User.role == Role.COUNTY_ADMIN)).all() == []


def test_demo_data_prints_credentials_that_sign_in(runner: FlaskCliRunner, client: FlaskClient) -> None:
    result = runner.invoke(args=["demo-data", "--residents", "60"])
    assert result.exit_code == 0, result.output
    credentials = re.findall(r"^\s+(\w+)\s+(\S+)$", result.output, flags=re.MULTILINE)
    roles = {
        db.session.scalars(db.select(User.role).where(User.username == name)).one() for name, _ in credentials
    }
    assert roles == {role.value for role in Role}
    for username, password in credentials:
        assert sign_in(client, username, password) == 200
    assert db.session.query(Resident).count() == 60


def test_demo_data_goes_only_into_an_empty_database(runner: FlaskCliRunner) -> None:
    create_user(Role.COUNTY_ADMIN, username="boss")
    assert runner.invoke(args=["demo-data", "--residents", "10"]).exit_code != 0
    result = runner.invoke(args=["demo-data", "--residents", "10", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.query(Resident).count() == 0


def test_report_counts_rebuilds_on_postgresql_and_says_sqlite_reads_the_records(
    runner: FlaskCliRunner,
) -> None:
    """What the tables hold after a rebuild: tests/reports/test_kept_counts.py."""
    result = runner.invoke(args=["report-counts"])
    assert result.exit_code == 0, result.output
    if db.engine.dialect.name == "sqlite":
        assert "SQLite" in result.output
    else:
        assert "followup_years rebuilt: 0 rows; screening_years: 0 rows." in result.output
