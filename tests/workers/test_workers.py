"""Queues, jobs and the periodic schedule."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from redis import Redis
from rq import Queue
from rq.cron import CronScheduler
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.messaging.clock import frozen_at
from fieldapp.messaging.models import Message
from fieldapp.messaging.service import queue_sms
from tests.builders import create_resident, create_village
from tests.messaging.builders import create_enrollment
from tests.messaging.fixtures import local
from workers import jobs
from workers.queues import QueueNames


def test_the_worker_listens_on_every_queue(app: Flask, runner: FlaskCliRunner, fake_redis: Redis) -> None:
    queued = [
        Queue(name, connection=fake_redis).enqueue(jobs.send_sms_job, "0" * 32) for name in QueueNames.all()
    ]
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    for job in queued:
        job.refresh()
        assert job.get_status() == "finished"
        assert job.return_value() == "missing"
    assert all(Queue(name, connection=fake_redis).count == 0 for name in QueueNames.all())


def test_a_burst_worker_without_redis_has_nothing_to_do(app: Flask, runner: FlaskCliRunner) -> None:
    # Without REDIS_URL jobs run in-process, so the queues are empty: --burst ends at once, cleanly.
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0
    assert "REDIS_URL" in result.output


def test_a_long_running_worker_needs_redis(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "REDIS_URL" in result.output


def test_periodic_jobs_have_stable_names_on_the_periodic_queue(app: Flask, fake_redis: Redis) -> None:
    scheduler = CronScheduler(connection=fake_redis)
    scheduler.load_config_from_file("workers.cron")
    registered = {job.name: job for job in scheduler.get_jobs()}
    assert set(registered) == {
        "fieldapp.escalation_check",
        "fieldapp.release_messages",
        "fieldapp.reminder_scan",
        "fieldapp.overdue_digest",
        "fieldapp.contract_renewals",
        "fieldapp.verification_expiry",
        "fieldapp.verification_draw",
    }
    assert registered["fieldapp.reminder_scan"].interval == 15 * 60
    assert registered["fieldapp.verification_draw"].cron == "20 * 1 * *"
    assert registered["fieldapp.escalation_check"].interval == 60
    assert {job.queue_name for job in registered.values()} == {QueueNames.PERIODIC}
    scheduler.enqueue_jobs()
    # The interval jobs start at once; the monthly draw waits for its cron time.
    assert Queue(QueueNames.PERIODIC, connection=fake_redis).count == 6


def test_with_redis_the_cli_enqueues_instead_of_running(
    app: Flask, runner: FlaskCliRunner, fake_redis: Redis
) -> None:
    for command in (["reminders", "scan"], ["referrals", "escalate"], ["messages", "release"]):
        result = runner.invoke(args=[*command, "--at", "2026-11-22T09:00:00+08:00"])
        assert result.exit_code == 0, result.output
    periodic = Queue(QueueNames.PERIODIC, connection=fake_redis)
    assert [job.args for job in periodic.jobs] == [("2026-11-22T09:00:00+08:00",)] * 3


def test_a_scan_makes_one_job_per_message(app: Flask, fake_redis: Redis) -> None:
    village = create_village()
    for _ in range(3):
        create_enrollment(create_resident(village), local(2026, 11, 23, 0, 0).date())
    result = jobs.reminder_scan_job("2026-11-22T09:00:00+08:00")
    assert result["reminder"] == 3
    sms = Queue(QueueNames.SMS, connection=fake_redis)
    ids = {str(m.id) for m in db.session.scalars(select(Message))}
    assert {job.args[0] for job in sms.jobs} == ids
    assert all(job.retries_left == 4 for job in sms.jobs)


def test_the_sms_job_is_idempotent(app: Flask) -> None:
    message = queue_sms(
        to="+8613800000001", body="x", kind="referral", dedupe_key="k", respect_quiet_hours=False
    )
    db.session.commit()
    message_id = str(message.id)
    assert jobs.send_sms_job(message_id) == "sent"
    assert jobs.send_sms_job(message_id) == "sent"
    assert db.session.get(Message, message.id).attempts == 1


def test_at_must_be_an_instant(app: Flask, runner: FlaskCliRunner) -> None:
    assert jobs.parse_at("2026-11-22T09:00:00") == local(2026, 11, 22, 9, 0)
    assert jobs.parse_at(None) is None
    result = runner.invoke(args=["referrals", "escalate", "--at", "yesterday"])
    assert result.exit_code == 2


def test_jobs_are_importable_by_name(app: Flask) -> None:
    """RQ stores ``module.function``; each must resolve to the app-context wrapper."""
    module = importlib.import_module("workers.jobs")
    for name in (
        "send_sms_job",
        "send_push_job",
        "reminder_scan_job",
        "escalation_check_job",
        "release_messages_job",
        "overdue_digest_job",
        "contract_renewal_job",
    ):
        assert callable(getattr(module, name))
        assert getattr(module, name).__wrapped__.__name__ == name


@pytest.mark.parametrize("minutes", [0, 1])
def test_the_release_job_leaves_fresh_messages_to_their_own_dispatch(app: Flask, minutes: int) -> None:
    message = queue_sms(
        to="+8613800000001", body="x", kind="referral", dedupe_key="k", respect_quiet_hours=False
    )
    db.session.commit()
    db.session.info.clear()  # as if Redis had been down when it was dispatched
    assert jobs.release_messages_job((message.created_at + timedelta(minutes=minutes)).isoformat()) == 0
    assert jobs.release_messages_job((message.created_at + timedelta(minutes=3)).isoformat()) == 1
    assert db.session.get(Message, message.id).status == "sent"


def _recording_jobs(calls: list[str]) -> tuple[Any, ...]:
    from workers import periodic

    return tuple(
        periodic.PeriodicJob(job.name, lambda name=job.name: calls.append(name), job.interval_s)
        for job in periodic.PERIODIC_JOBS
    )


def test_no_user_request_runs_a_periodic_job(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Redis and outside tests, requests still never run the scan or the escalation."""
    from workers import periodic

    calls: list[str] = []
    monkeypatch.setattr(periodic, "PERIODIC_JOBS", _recording_jobs(calls))
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/me").status_code == 401
    assert calls == []


def test_the_embedded_scheduler_runs_each_job_once_per_interval(app: Flask, tmp_path: Path) -> None:
    from workers.periodic import EmbeddedScheduler

    calls: list[str] = []
    scheduler = EmbeddedScheduler(app, tmp_path / "periodic.lock", _recording_jobs(calls))
    names = [job.name for job in scheduler.jobs]
    assert scheduler.tick(now=1000.0) == names
    assert scheduler.tick(now=1030.0) == []  # within every interval: nothing again
    assert scheduler.tick(now=1060.0) == ["fieldapp.escalation_check", "fieldapp.release_messages"]
    assert calls == [*names, "fieldapp.escalation_check", "fieldapp.release_messages"]
    scheduler.release()


def test_a_second_embedded_scheduler_waits_for_the_first(app: Flask, tmp_path: Path) -> None:
    from workers.periodic import EmbeddedScheduler

    first_calls: list[str] = []
    second_calls: list[str] = []
    lock = tmp_path / "periodic.lock"
    first = EmbeddedScheduler(app, lock, _recording_jobs(first_calls))
    second = EmbeddedScheduler(app, lock, _recording_jobs(second_calls))
    assert first.tick(now=0.0)
    assert second.tick(now=0.0) == []  # the lock is held: two web workers never both scan
    first.release()
    assert second.tick(now=0.0)  # the holder is gone: the other takes over
    second.release()
    assert len(first_calls) == len(second_calls) == len(first.jobs)


def test_the_embedded_scheduler_runs_the_real_scan_in_a_fresh_context(app: Flask, tmp_path: Path) -> None:
    from workers.periodic import EmbeddedScheduler

    with frozen_at(local(2026, 11, 22, 10, 0)):
        create_enrollment(create_resident(create_village()), date(2026, 11, 23))
        scheduler = EmbeddedScheduler(app, tmp_path / "periodic.lock")
        assert "fieldapp.reminder_scan" in scheduler.tick()
        scheduler.release()
    assert len(db.session.scalars(select(Message)).all()) >= 1


def test_without_redis_a_background_scan_sends_in_batches_and_a_request_only_its_own(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, SMS jobs run in the background (the embedded scheduler, a command) claim up to
    SEND_BATCH messages at once, as a worker's do (one claim and one write for many, not one
    each); a job run inside a user's request sends only its own message. Every message is sent
    once either way."""
    from fieldapp.messaging import service

    claims: list[int] = []
    claim = service._claim

    def counted(message_id: Any, now: Any, batch: int = 1) -> list[Any]:
        rows = claim(message_id, now, batch)
        claims.append(len(rows))
        return rows

    monkeypatch.setattr(service, "_claim", counted)
    with frozen_at(local(2026, 11, 22, 10, 0)):
        village = create_village()
        for _ in range(7):
            create_enrollment(create_resident(village), date(2026, 11, 23))
        with jobs.in_background():
            assert jobs.reminder_scan_job("2026-11-22T10:00:00+08:00")["reminder"] == 7
        messages = db.session.scalars(select(Message)).all()
        assert {m.status for m in messages} == {"sent"}
        assert all(m.attempts == 1 for m in messages)
        assert claims[0] == 7  # the first job's claim took every waiting message
        assert sum(claims) == 7  # the others found theirs sent

        claims.clear()
        lone, other = (
            queue_sms(
                to=f"+861380000000{n}",
                body="x",
                kind="referral",
                dedupe_key=f"k{n}",
                respect_quiet_hours=False,
            )
            for n in (8, 9)
        )
        db.session.commit()
        assert jobs.send_sms_job(str(lone.id)) == "sent"
        assert jobs.send_sms_job(str(other.id)) == "sent"
        assert claims and max(claims) == 1  # each claimed alone
        assert [db.session.get(Message, m.id).attempts for m in (lone, other)] == [1, 1]


def test_the_embedded_scheduler_runs_its_jobs_in_the_background(app: Flask, tmp_path: Path) -> None:
    from workers.periodic import EmbeddedScheduler, PeriodicJob

    seen: list[int] = []
    job = PeriodicJob("probe", lambda: seen.append(jobs._send_batch()), 60)
    scheduler = EmbeddedScheduler(app, tmp_path / "periodic.lock", (job,))
    assert scheduler.tick() == ["probe"]
    scheduler.release()
    assert seen == [jobs.SEND_BATCH]
    assert jobs._send_batch() == 1  # and only while it runs
