"""The job-queue page read from RQ's registries (``TEST_REDIS_URL``, else fakeredis)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue, SimpleWorker

from fieldapp.auth.models import Role
from tests.builders import create_user
from tests.console.helpers import sign_in
from tests.messaging.fixtures import real_redis  # noqa: F401  (shared fixture)
from workers.queues import QueueNames

pytestmark = pytest.mark.redis


def broken_job() -> None:
    """A job that fails, as a provider outage would."""
    raise RuntimeError("provider unreachable")


def test_admin_sees_waiting_and_failed_jobs(client: FlaskClient, real_redis: Redis) -> None:  # noqa: F811
    failing = Queue(QueueNames.DEFAULT, connection=real_redis)
    job = failing.enqueue(broken_job)
    SimpleWorker([failing], connection=real_redis).work(burst=True)
    Queue(QueueNames.SMS, connection=real_redis).enqueue(broken_job)
    sign_in(client, create_user(Role.COUNTY_ADMIN))
    page = client.get("/console/admin/jobs").get_data(as_text=True)
    assert "not configured" not in page
    sms_row = page[page.index(QueueNames.SMS) :].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in sms_row.split('class="num">')[1:]] == ["1", "0", "0", "0"]
    assert job.id in page and "RuntimeError: provider unreachable" in page
