"""The field app over rural 2G, in Chromium (``make bench`` with Chromium at /usr/bin/chromium).

CDP ``Network.emulateNetworkConditions`` sets 250 kbit/s down, 50 kbit/s up and 300 ms of
latency. A village doctor whose area holds 1,000 residents, 600 of them enrolled with a
year of follow-ups (four each), signs in on a fresh phone: the first sync is timed from
opening the app to the whole area in IndexedDB. Then 20 records typed offline (visits)
are sent when the network returns: the daily sync is timed from going online to an empty
outbox. The app is served by a threaded server in this process, on the bench's database.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import insert
from werkzeug.serving import make_server

from bench.county import bench_app
from fieldapp.auth.models import Role, User
from fieldapp.auth.service import hash_password
from fieldapp.extensions import db
from fieldapp.followups.models import Enrollment, FollowUp
from fieldapp.org.models import Township, Village
from fieldapp.residents.models import Resident
from fieldapp.residents.record_numbers import take_serials, village_prefix
from fieldapp.timeutil import local_today, utcnow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
PASSWORD = "bench 2g password"
RESIDENTS, ENROLLED, FOLLOWUPS_EACH, DAILY_RECORDS = 1000, 600, 4, 20
# Rural 2G (bytes per second for CDP).
TWO_G = {"offline": False, "latency": 300, "downloadThroughput": 250_000 / 8, "uploadThroughput": 50_000 / 8}

# Opened only once the app has made its database (opening it first would create an empty one).
AREA_COUNT_JS = """() => new Promise((resolve) => {
  const opened = indexedDB.open("fieldapp");
  opened.onsuccess = () => {
    const db = opened.result;
    if (!db.objectStoreNames.contains("followups")) { db.close(); resolve([0, 0]); return; }
    const tx = db.transaction(["residents", "followups"]);
    const residents = tx.objectStore("residents").count();
    const followups = tx.objectStore("followups").count();
    tx.oncomplete = () => { resolve([residents.result, followups.result]); db.close(); };
  };
  opened.onerror = () => resolve([0, 0]);
})"""
ENQUEUE_JS = """async ({villageId, n}) => {
  const sync = await import("/static/field/js/sync.js");
  for (let i = 0; i < n; i++) {
    await sync.enqueue("visit", {id: crypto.randomUUID(), village_id: villageId,
      visited_at: new Date().toISOString(), purpose: "household"}, "visit " + i);
  }
}"""
OUTBOX_COUNT_JS = """() => new Promise((resolve) => {
  const opened = indexedDB.open("fieldapp");
  opened.onsuccess = () => {
    const request = opened.result.transaction("outbox").objectStore("outbox").count();
    request.onsuccess = () => { resolve(request.result); opened.result.close(); };
  };
})"""


def build_area() -> tuple[str, uuid.UUID]:
    """A fresh village of 1,000 residents and its doctor; returns (username, village id)."""
    tag = uuid.uuid4().hex[:8]
    township = Township(code=f"g2-{tag}", name=f"二G镇{tag}")
    db.session.add(township)
    db.session.flush()
    village = Village(code=f"g2-{tag}", name=f"二G村{tag}", township_id=township.id)
    db.session.add(village)
    db.session.flush()
    doctor = User(
        username=f"g2-{tag}",
        password_hash=hash_password(PASSWORD),
        role=Role.VILLAGE_DOCTOR,
        township_id=township.id,
    )
    doctor.villages = [village]
    db.session.add(doctor)
    db.session.flush()
    # Core inserts skip the ORM's numbering at flush: take the village's serials here.
    numbers = take_serials(db.session, village_prefix(village, township), RESIDENTS)
    db.session.commit()
    now, today = utcnow(), local_today()
    stamp = {"change_seq": 1, "created_at": now, "updated_at": now}
    residents, enrollments, followups = [], [], []
    for n in range(RESIDENTS):
        resident_id = uuid.uuid4()
        residents.append(
            {
                "id": resident_id,
                "name": f"居民{n:04d}",
                "sex": "F" if n % 2 else "M",
                "birth_date": date(1940 + n % 40, 1 + n % 12, 1 + n % 28),
                "village_id": village.id,
                "record_number": numbers[n],
                "phone": f"+86139{n:08d}",
                "sms_consent": True,
                "opted_out": False,
                "phone_invalid": False,
                "language": "zh",
                **stamp,
            }
        )
        if n >= ENROLLED:
            continue
        enrollment_id = uuid.uuid4()
        enrollments.append(
            {
                "id": enrollment_id,
                "resident_id": resident_id,
                "village_id": village.id,
                "condition": "hypertension",
                "status": "active",
                "diagnosed_on": today - timedelta(days=800),
                "enrolled_on": today - timedelta(days=700),
                "next_due_on": today + timedelta(days=n % 90 - 30),
                **stamp,
            }
        )
        for k in range(FOLLOWUPS_EACH):
            followups.append(
                {
                    "id": uuid.uuid4(),
                    "enrollment_id": enrollment_id,
                    "resident_id": resident_id,
                    "village_id": village.id,
                    "condition": "hypertension",
                    "performed_at": now - timedelta(days=90 * k + n % 60),
                    "mode": "home",
                    "sbp": 128 + (n + k) % 30,
                    "dbp": 82,
                    "danger_signs": [],
                    "adverse_reaction": False,
                    "new_complication": False,
                    "classification": "controlled",
                    "urgent_referral": False,
                    "referral_recommended": False,
                    "next_due_on": today + timedelta(days=90 - 90 * k),
                    "performed_by": doctor.id,
                    **stamp,
                }
            )
    with db.engine.begin() as conn:
        for model, rows in ((Resident, residents), (Enrollment, enrollments), (FollowUp, followups)):
            conn.execute(insert(model.__table__), rows)
    return doctor.username, village.id


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def _wait(page: Any, script: str, done: Any, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while not done(page.evaluate(script)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {script[:40]}")
        time.sleep(0.1)


def measure(base_url: str, username: str, village_id: uuid.UUID) -> tuple[float, float]:
    """(first sync seconds, daily sync seconds) over emulated 2G."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=base_url, viewport={"width": 360, "height": 640}, locale="zh-CN", service_workers="allow"
        )
        context.set_default_timeout(180_000)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", TWO_G)
        started = time.perf_counter()
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/field/**")
        page.locator("body[data-sync]").wait_for(state="attached")
        _wait(page, AREA_COUNT_JS, lambda counts: counts[0] >= RESIDENTS and counts[1] >= ENROLLED * 4 - 1)
        page.locator("body[data-sync='idle']").wait_for(state="attached")
        first = time.perf_counter() - started

        context.set_offline(True)
        page.evaluate(ENQUEUE_JS, {"villageId": str(village_id), "n": DAILY_RECORDS})
        started = time.perf_counter()
        context.set_offline(False)
        cdp.send("Network.emulateNetworkConditions", TWO_G)
        _wait(page, OUTBOX_COUNT_JS, lambda count: count == 0)
        daily = time.perf_counter() - started
        browser.close()
    return first, daily


def run(url: str, database: str) -> list[dict[str, Any]]:
    """Both figures on one database; nothing when Chromium is not installed."""
    if not CHROMIUM.exists():
        return []
    app = bench_app(url)
    with app.app_context():
        db.create_all()
        username, village_id = build_area()
    with serving(app) as base_url:
        first, daily = measure(base_url, username, village_id)
    row = {"database": database, "p95_ms": None, "peak_mem_mb": None, "runs": 1}
    return [
        {
            **row,
            "operation": "field app over 2G: first sync, 1,000-resident area",
            "median_ms": round(first * 1000),
            "records_per_s": None,
        },
        {
            **row,
            "operation": "field app over 2G: daily sync, 20 records",
            "median_ms": round(daily * 1000),
            "records_per_s": None,
        },
    ]


if __name__ == "__main__":
    import os
    import sys

    from bench.run import _table

    target = os.environ.get("BENCH_DATABASE_URL") or sys.exit("set BENCH_DATABASE_URL")
    print(_table(run(target, "postgresql" if target.startswith("postgresql") else "sqlite")))
