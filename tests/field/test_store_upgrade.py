"""A phone in use keeps everything when the field app's IndexedDB moves to a new version."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from fieldapp.auth.models import Role
from fieldapp.extensions import db
from fieldapp.residents.models import Resident
from fieldapp.residents.schemas import ResidentSchema
from fieldapp.sync.service import START, encode_cursor
from tests.builders import create_resident, create_township, create_user, create_village
from tests.field.helpers import sign_in_page

pytestmark = pytest.mark.browser

# The first release's schema, as static/field/js/store.js created it at version 1, and a
# doctor's phone in use: an area, a saved cursor and a record waiting in the outbox.
VERSION_1_PROFILE_JS = """async ({user, residents, waiting, cursor}) => {
  const opened = indexedDB.open("fieldapp", 1);
  opened.onupgradeneeded = () => {
    const db = opened.result;
    for (const name of ["residents", "enrollments", "followups", "referrals"]) {
      const store = db.createObjectStore(name, { keyPath: "id" });
      if (name !== "residents") store.createIndex("resident_id", "resident_id");
    }
    db.createObjectStore("outbox", { keyPath: "id" }).createIndex("queued_at", "queued_at");
    db.createObjectStore("kv");
  };
  const db = await new Promise((resolve, reject) => {
    opened.onsuccess = () => resolve(opened.result);
    opened.onerror = () => reject(opened.error);
  });
  const tx = db.transaction(["residents", "outbox", "kv"], "readwrite");
  residents.forEach((row) => tx.objectStore("residents").put(row));
  tx.objectStore("outbox").put({id: waiting.id, type: "resident", data: waiting, label: waiting.name,
    estimate: null, state: "pending", errors: null, queued_at: Date.now()});
  tx.objectStore("kv").put(user, "user");
  tx.objectStore("kv").put(cursor, "cursor");
  await new Promise((resolve) => { tx.oncomplete = resolve; });
  db.close();
}"""
READ_JS = """() => new Promise((resolve) => {
  const opened = indexedDB.open("fieldapp");
  opened.onsuccess = () => {
    const db = opened.result;
    const tx = db.transaction(["residents", "outbox"]);
    const residents = tx.objectStore("residents").getAll();
    const outbox = tx.objectStore("outbox").getAll();
    tx.oncomplete = () => {
      resolve({version: db.version, stores: [...db.objectStoreNames],
               residents: residents.result.map((r) => r.name), outbox: outbox.result.length});
      db.close();
    };
  };
})"""


def test_a_version_1_phone_upgrades_without_losing_its_area_or_outbox(app: Flask, phone: Any) -> None:
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, username="cundoc", township=township, villages=[village])
    known = create_resident(village, name="张桂兰", birth_date=date(1950, 5, 6))
    phone_only = {
        "id": str(uuid.uuid4()),
        "name": "赵老汉",
        "sex": "M",
        "birth_date": "1949-01-01",
        "village_id": str(village.id),
    }
    waiting = {
        "id": str(uuid.uuid4()),
        "name": "孙大娘",
        "sex": "F",
        "birth_date": "1951-02-03",
        "village_id": str(village.id),
        "sms_consent": False,
    }
    user = {"id": str(doctor.id), "username": doctor.username, "role": doctor.role}
    page = phone.new_page()
    page.goto("/login")
    page.evaluate(
        VERSION_1_PROFILE_JS,
        {
            "user": user,
            "residents": [ResidentSchema().dump(known), phone_only],
            "waiting": waiting,
            "cursor": encode_cursor(START),
        },
    )

    sign_in_page(page)
    page.locator("#tabs").get_by_role("link", name="待发送").click()
    page.get_by_text("没有待发送的记录").wait_for()
    after = page.evaluate(READ_JS)
    assert after["version"] == 2
    assert {"replies", "patrols", "screenings", "health_checks", "contracts", "contact_attempts"} <= set(
        after["stores"]
    )
    assert {"张桂兰", "赵老汉", "孙大娘"} <= set(after["residents"])
    assert after["outbox"] == 0
    db.session.rollback()
    assert db.session.scalar(select(Resident).where(Resident.id == uuid.UUID(waiting["id"]))) is not None
