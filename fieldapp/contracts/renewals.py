"""The renewal invitation (DOMAIN.md): one SMS, 30 days before a contract ends.

A scan, run by the scheduler, finds contracts ending within 30 days that are neither
terminated nor renewed, and queues one ``contract_renewal`` SMS per contract through the
messaging pipeline: consent, opt-out and invalid numbers are checked in the query, the
message's dedupe key (``contract_renewal:<id>``) makes it once per contract however often
the scan runs, and outside the send window it is held until the window opens.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from fieldapp.contracts.models import Contract
from fieldapp.messaging import texts
from fieldapp.messaging.clock import now as current_time
from fieldapp.messaging.decisions import send_after_for
from fieldapp.messaging.models import MessageKind
from fieldapp.messaging.reminders import (
    ScanClock,
    ScanResult,
    _Bodies,
    _centre_names,
    _finish_page,
    _insert_messages,
    _message_row,
    _pages,
)
from fieldapp.org.models import Village
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_date, local_zone

RENEWAL_NOTICE_DAYS = 30


def renewal_dedupe_key(contract_id: Any) -> str:
    """The one renewal invitation of a contract."""
    return f"contract_renewal:{contract_id}"


def scan_renewals(now: datetime | None = None) -> int:
    """Queue the renewal invitations due at ``now``; returns how many were new."""
    now = now or current_time()
    scan_at = ScanClock(now=now, today=local_date(now), send_after=send_after_for(now, local_zone(), True))
    renewal = aliased(Contract, name="renewal")
    query = (
        select(
            Contract.id,
            Contract.ends_on,
            Resident.id.label("resident_id"),
            Resident.phone,
            Resident.language,
            Village.township_id,
        )
        .join(Resident, Resident.id == Contract.resident_id)
        .join(Village, Village.id == Resident.village_id)
        .where(
            Contract.terminated_on.is_(None),
            Contract.ends_on >= scan_at.today,
            Contract.ends_on <= scan_at.today + timedelta(days=RENEWAL_NOTICE_DAYS),
            ~select(renewal.id).where(renewal.renews == Contract.id).exists(),
            Resident.sms_consent.is_(True),
            Resident.opted_out.is_(False),
            Resident.phone_invalid.is_(False),
            Resident.phone.is_not(None),
        )
        .order_by(Contract.id)
    )
    centres = _centre_names()
    bodies = _Bodies()
    result = ScanResult()
    queued = 0
    for page in _pages(query, Contract.id):
        messages = [
            _message_row(
                scan_at,
                key=renewal_dedupe_key(row.id),
                to=row.phone,
                resident_id=row.resident_id,
                township_id=row.township_id,
                kind=MessageKind.CONTRACT_RENEWAL.value,
                body=bodies.get(
                    texts.contract_renewal_text, row.ends_on, centres[row.township_id], row.language
                ),
            )
            for row in page
        ]
        inserted = _insert_messages(messages)
        queued += len(inserted)
        _finish_page(scan_at, inserted, result)
    return queued
