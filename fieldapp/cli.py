"""Bootstrap commands: ``create-admin``, ``demo-data`` and ``report-counts``."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from fieldapp.auth.models import Role, User
from fieldapp.auth.service import create_user, end_sessions, hash_password
from fieldapp.extensions import db
from fieldapp.reports import counts
from fieldapp.reports.models import FollowUpYear, ScreeningYear


@click.command("create-admin")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin_command(username: str, password: str) -> None:
    """Create a county_admin user (or reset that admin's password)."""
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")
    existing = db.session.scalar(select(User).where(User.username == username))
    if existing is not None and existing.role != Role.COUNTY_ADMIN:
        raise click.ClickException(f"{username} exists with role {existing.role}")
    if existing is not None:
        existing.password_hash = hash_password(password)
        existing.active = True
        end_sessions(existing)
        click.echo(f"Reset the password of county admin {username}.")
    else:
        create_user(username, password, Role.COUNTY_ADMIN)
        click.echo(f"Created county admin {username}.")
    db.session.commit()


@click.command("report-counts")
def report_counts_command() -> None:
    """Install the triggers that keep the county report's counts and rebuild them from the
    records (PostgreSQL: followup_years, screening_years).

    Run after changing FIELDAPP_TIMEZONE or upgrading to a release whose report definition
    changed (the county's indicators read the records until then). Writers of the counted
    records wait for it: about 20 s at 3 million residents.
    """
    if db.engine.dialect.name != "postgresql":
        click.echo("SQLite: the reports read the records; nothing to build.")
        return
    with db.engine.begin() as connection:
        counts.install(connection)
        followups, screened = (
            connection.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (FollowUpYear, ScreeningYear)
        )
    click.echo(f"followup_years rebuilt: {followups} rows; screening_years: {screened} rows.")


def init_app(app: Flask) -> None:
    """Register the bootstrap commands."""
    app.cli.add_command(create_admin_command)
    app.cli.add_command(report_counts_command)
    from fieldapp.demo import demo_data_command

    app.cli.add_command(demo_data_command)
