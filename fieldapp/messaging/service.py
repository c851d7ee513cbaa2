"""Messages: create once, dispatch after commit, send, follow the provider's reports.

How nothing is sent twice and nothing is lost:

* every message is a row with a unique ``dedupe_key``; asking twice finds the first row;
* a job is enqueued only after the commit that made its row (``after_commit`` moves the
  ids of this transaction to a ready list; :func:`dispatch_pending` enqueues them);
* a job claims its row with a conditional UPDATE ``queued -> sending``: a second job,
  a retry or a second worker finds nothing to claim;
* when Redis is down at enqueue time the row simply stays ``queued``; the periodic
  release job enqueues queued rows older than :data:`LOST_DISPATCH_AFTER`;
* a worker that died mid-send leaves ``sending``; after ``stale_sending_after`` the
  release job asks the provider whether it took a message with that recipient and
  body since the claim: if so the row adopts the provider's id (no second send),
  else it goes back to ``queued``. A delivery report for it also adopts it, because
  the status callback URL carries our message id.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    case,
    event,
    exists,
    func,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldapp.audit.service import record_bulk_read
from fieldapp.auth.models import Role, User
from fieldapp.auth.scoping import TOWNSHIP_ROLES, resident_clause
from fieldapp.dbtypes import current_change_seq, fixed
from fieldapp.errors import ConflictError, ValidationError
from fieldapp.extensions import db
from fieldapp.messaging import clock, texts
from fieldapp.messaging.clients import (
    DeliveryError,
    GoneSubscriptionError,
    InvalidNumberError,
    RetryableDeliveryError,
)
from fieldapp.messaging.clients.push import (
    RefusedEndpointError,
    Subscription,
    VapidKeys,
    WebPushClient,
    check_endpoint,
    load_vapid_keys,
    push_hosts,
)
from fieldapp.messaging.clients.sms import SmsClient, build_sms_client
from fieldapp.messaging.decisions import (
    INVALID_NUMBER_CODES,
    PROVIDER_STATUSES,
    RULES,
    ReplyAction,
    SuppressedReason,
    can_move,
    classify_reply,
    in_sms_window,
    next_window_start,
    resident_block_reason,
    retry_wait,
    send_after_for,
    sms_segments,
)
from fieldapp.messaging.models import (
    InboundMessage,
    Message,
    MessageStatus,
    PushDelivery,
    PushSubscription,
    SmsOptOut,
)
from fieldapp.org.models import Township, Village
from fieldapp.replies.service import keep_reply
from fieldapp.residents.models import Resident
from fieldapp.timeutil import local_zone
from fieldapp.verifications.answers import answer_open_question

log = logging.getLogger(__name__)

PENDING = "fieldapp.messaging.pending"  # session.info: jobs of the open transaction
READY = "fieldapp.messaging.ready"  # session.info: jobs whose rows are committed
LOST_DISPATCH_AFTER = timedelta(minutes=2)

SMS_JOB = "sms"
PUSH_JOB = "push"


# After-commit dispatch


def _later(kind: str, row_id: Any) -> None:
    db.session.info.setdefault(PENDING, []).append((kind, row_id))


@event.listens_for(Session, "after_commit")
def _promote_committed(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending:
        session.info.setdefault(READY, []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)


def dispatch_pending() -> None:
    """Enqueue the jobs of every committed message (call after commit; request teardown does)."""
    while True:
        ready = db.session.info.pop(READY, None)
        if not ready:
            return
        dispatch(
            [row_id for kind, row_id in ready if kind == SMS_JOB],
            [row_id for kind, row_id in ready if kind == PUSH_JOB],
        )


def dispatch(message_ids: Iterable[uuid.UUID], delivery_ids: Iterable[int]) -> None:
    """Enqueue send jobs; when Redis is unreachable the rows stay queued for the release job."""
    from workers.queues import QueueNames, enqueue_each, send_retry

    # By dotted name: workers.jobs imports this module, never the other way round.
    batches = (
        ("workers.jobs.send_sms_job", [str(i) for i in message_ids], QueueNames.SMS, send_retry()),
        ("workers.jobs.send_push_job", [int(i) for i in delivery_ids], QueueNames.PUSH, send_retry()),
    )
    for job, args, queue, retry in batches:
        if not args:
            continue
        try:
            enqueue_each(job, args, queue=queue, retry=retry)
        except Exception:
            # Never fail the caller: the rows are committed and queued; the release job retries.
            log.warning("could not enqueue %s %s jobs; the release job will", len(args), queue, exc_info=True)


# Creating messages


def _is_opted_out(phone: str) -> bool:
    return db.session.get(SmsOptOut, phone) is not None


def _block_reason(to: str | None, resident_id: uuid.UUID | None) -> SuppressedReason | None:
    if resident_id is not None:
        resident = db.session.get(Resident, resident_id)
        if resident is None:
            return SuppressedReason.INVALID_NUMBER
        reason = resident_block_reason(
            phone=to,
            sms_consent=resident.sms_consent,
            opted_out=resident.opted_out,
            phone_invalid=resident.phone_invalid,
        )
        if reason is not None:
            return reason
    if not to:
        return SuppressedReason.INVALID_NUMBER
    return SuppressedReason.OPTED_OUT if _is_opted_out(to) else None


def queue_sms(
    *,
    to: str | None,
    body: str,
    kind: str,
    dedupe_key: str,
    resident_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    facility_id: uuid.UUID | None = None,
    township_id: uuid.UUID | None = None,
    referral_id: uuid.UUID | None = None,
    respect_quiet_hours: bool,
    now: datetime | None = None,
) -> Message:
    """The message for ``dedupe_key``, created (queued or suppressed) on first ask.

    The caller commits; the send job is enqueued after that commit (request teardown
    calls :func:`dispatch_pending`; CLI and jobs call it after their commit).
    """
    existing = db.session.scalar(select(Message).where(Message.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    now = now or clock.now()
    reason = _block_reason(to, resident_id)
    message = Message(
        dedupe_key=dedupe_key,
        to=to,
        body=body,
        kind=kind,
        segments=sms_segments(body),
        resident_id=resident_id,
        user_id=user_id,
        facility_id=facility_id,
        township_id=township_id,
        referral_id=referral_id,
        status=MessageStatus.SUPPRESSED if reason else MessageStatus.QUEUED,
        suppressed_reason=reason,
        respect_quiet_hours=respect_quiet_hours,
        send_after=None if reason else send_after_for(now, local_zone(), respect_quiet_hours),
        attempts=0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        # A concurrent request made it first: that row is the message.
        return db.session.scalars(select(Message).where(Message.dedupe_key == dedupe_key)).one()
    if message.status == MessageStatus.QUEUED and message.send_after is None:
        _later(SMS_JOB, message.id)
    return message


def queue_push(
    *, user_id: uuid.UUID, title: str, body: str, url: str, urgency: str = "normal", dedupe_key: str
) -> PushDelivery | None:
    """The push for ``dedupe_key`` to every device of the user; None when they have none."""
    existing = db.session.scalar(select(PushDelivery).where(PushDelivery.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    has_device = db.session.scalar(
        select(PushSubscription.id).where(PushSubscription.user_id == user_id).limit(1)
    )
    if has_device is None:
        return None
    delivery = PushDelivery(
        dedupe_key=dedupe_key,
        user_id=user_id,
        payload=json.dumps({"title": title, "body": body, "url": url}, ensure_ascii=False),
        urgency=urgency,
        status="queued",
        attempts=0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
    except IntegrityError:
        return db.session.scalars(select(PushDelivery).where(PushDelivery.dedupe_key == dedupe_key)).one()
    _later(PUSH_JOB, delivery.id)
    return delivery


# Providers (one per app, built on first use)


def sms_client() -> SmsClient:
    """The app's SMS provider."""
    client = current_app.extensions.get("fieldapp_sms_client")
    if client is None:
        client = current_app.extensions["fieldapp_sms_client"] = build_sms_client(dict(current_app.config))
    return client  # type: ignore[no-any-return]


def vapid_keys() -> VapidKeys:
    """The app's VAPID keys (generated into the instance folder when not configured)."""
    keys = current_app.extensions.get("fieldapp_vapid")
    if keys is None:
        keys = current_app.extensions["fieldapp_vapid"] = load_vapid_keys(
            dict(current_app.config), current_app.instance_path
        )
    return keys  # type: ignore[no-any-return]


def push_client() -> WebPushClient:
    """The app's Web Push sender, for the push services ``FIELDAPP_PUSH_HOSTS`` names."""
    configured = current_app.config.get("FIELDAPP_PUSH_HOSTS")
    cached = current_app.extensions.get("fieldapp_push_client")
    if cached is None or cached[0] != configured:
        cached = current_app.extensions["fieldapp_push_client"] = (
            configured,
            WebPushClient(vapid_keys(), push_hosts(configured)),
        )
    return cached[1]  # type: ignore[no-any-return]


def status_callback_url(message_id: uuid.UUID) -> str:
    """Where Twilio reports delivery; our id rides along so a report can adopt an orphan."""
    return f"{current_app.config['FIELDAPP_PUBLIC_URL']}/webhooks/twilio/status?m={message_id}"


def _retry_waits() -> tuple[int, ...]:
    return tuple(current_app.config.get("SMS_RETRY_WAITS", RULES.retry_waits_s))


# Sending


def _without_waiting_for_disk() -> None:
    """PostgreSQL: commit this transaction without waiting for the WAL flush.

    Only for recording what the provider answered: a "sent" that a database crash
    loses within a fraction of a second leaves the row ``sending``, which recovery
    resolves by asking the provider. (The claim itself is committed durably: losing
    it would put the row back to ``queued`` and send it again.)
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _claimable(now: datetime) -> list[ColumnElement[bool]]:
    """A queued message that may go at ``now``: its hold over, the window open (or no quiet
    hours for it), and its recipient still textable (consent or opt-out may have changed
    since queueing: a message that may not go is never claimed)."""
    conditions = [
        Message.status == MessageStatus.QUEUED,
        or_(Message.send_after.is_(None), Message.send_after <= now),
    ]
    if not in_sms_window(now.astimezone(local_zone())):
        conditions.append(Message.respect_quiet_hours.is_(False))
    return [
        *conditions,
        Message.to.is_not(None),
        ~exists().where(SmsOptOut.phone == Message.to),
        or_(
            Message.resident_id.is_(None),
            exists().where(
                Resident.id == Message.resident_id,
                Resident.sms_consent.is_(True),
                Resident.opted_out.is_(False),
                Resident.phone_invalid.is_(False),
            ),
        ),
    ]


def _claim(message_id: uuid.UUID, now: datetime, batch: int = 1) -> list[Any]:
    """``queued -> sending`` for the message, and up to ``batch - 1`` other queued messages
    that may go now (none a concurrent claim holds); what sending them needs."""
    which: ColumnElement[bool] = Message.id == message_id
    if batch > 1:
        # Lock first, then update only what this claim locked: its own message (waiting for
        # a concurrent claim of it, as a lone claim would), then the first others the status
        # index finds that no one holds (no sort: the cost stays that of the batch). The
        # update never waits on a row, so claims and recorded results never deadlock.
        own = select(Message.id).where(Message.id == message_id, *_claimable(now)).with_for_update()
        others = (
            select(Message.id)
            .where(Message.id != message_id, *_claimable(now))
            .limit(batch - 1)
            .with_for_update(skip_locked=True)
        )
        picked = union_all(select(own.cte("own").c.id), select(others.cte("others").c.id))
        which = Message.id.in_(picked.scalar_subquery())
    claimed = db.session.execute(
        update(Message)
        .where(which, *_claimable(now))
        .values(status=MessageStatus.SENDING, attempts=Message.attempts + 1, updated_at=now)
        .returning(Message.id, Message.to, Message.body, Message.resident_id, Message.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return list(claimed)


def _unclaimed(message_id: uuid.UUID, now: datetime) -> str:
    """Why a message was not claimed: gone, done, not to be sent, or waiting (a quiet-hours hold is recorded)."""
    message = db.session.get(Message, message_id)
    if message is None:
        return "missing"
    if message.status != MessageStatus.QUEUED or (message.send_after and message.send_after > now):
        return message.status if message.status != MessageStatus.QUEUED else "held"
    reason = _block_reason(message.to, message.resident_id)
    if reason is not None:
        message.status, message.suppressed_reason = MessageStatus.SUPPRESSED, reason
    else:
        message.send_after = next_window_start(now, local_zone())
    db.session.commit()
    return message.status if reason else "held"


def _set(message_id: uuid.UUID, **values: Any) -> None:
    db.session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _accepted(sid: str | None, now: datetime) -> dict[str, Any]:
    """The values recording that the provider took a message (a report may have moved it on already).

    ``sid`` None: the provider's id is the ``sid`` parameter of an executemany.
    """
    return {
        "provider_sid": func.coalesce(Message.provider_sid, bindparam("sid") if sid is None else sid),
        "sent_at": func.coalesce(Message.sent_at, now),
        "status": case(
            # Two comparisons, not IN: an IN list cannot go in an executemany.
            (
                or_(Message.status == MessageStatus.QUEUED, Message.status == MessageStatus.SENDING),
                MessageStatus.SENT.value,
            ),
            else_=Message.status,
        ),
    }


def _flag_invalid_number(resident_id: uuid.UUID | None) -> None:
    if resident_id is not None:
        # A new sequence value: the resident comes again in phones' sync pulls (API.md v2).
        db.session.execute(
            update(Resident)
            .where(Resident.id == resident_id, Resident.phone_invalid.is_(False))
            .values(phone_invalid=True, change_seq=current_change_seq(db.session()))
        )


def send_message(message_id: uuid.UUID, now: datetime | None = None, batch: int = 1) -> str:
    """Send one queued message (the SMS job); returns the status it ends in. Idempotent.

    With ``batch`` above 1 (a worker's job) the same claim takes other queued messages
    that may go now, up to ``batch`` in all, and sends them too: their own jobs then find
    them sent (and are dropped from Redis, see :func:`_drop_jobs`). Each message keeps its
    own outcome, retry wait and attempts; only this message's retryable refusal raises
    (for RQ's retry); the others wait out theirs for the release job.
    """
    now = now or clock.now()
    claimed = _claim(message_id, now, batch)
    outcomes = [_deliver(row, now) for row in claimed]
    for row, (status, values, _retry) in zip(claimed, outcomes, strict=True):
        if status != MessageStatus.SENT:
            invalid_number = values.pop("invalid_number", False)
            _set(row.id, **values)
            if invalid_number:
                _flag_invalid_number(row.resident_id)
    failures = [o for o in outcomes if o[0] != MessageStatus.SENT]
    if failures:
        db.session.commit()  # durable: a lost "queued again" or "failed" would send twice
    sent = [
        {"message_id": row.id, "sid": values["sid"]}
        for row, (status, values, _) in zip(claimed, outcomes, strict=True)
        if status == MessageStatus.SENT
    ]
    if sent:
        _without_waiting_for_disk()
        table = Message.__table__
        accepted = update(table).where(table.c.id == bindparam("message_id")).values(_accepted(None, now))
        db.session.execute(accepted, sent)
        db.session.commit()
    others = [row.id for row in claimed if row.id != message_id]
    if others:
        _drop_jobs(others)
    own = next((o for row, o in zip(claimed, outcomes, strict=True) if row.id == message_id), None)
    if own is None:
        return _unclaimed(message_id, now)
    status, _values, retry = own
    if retry is not None:
        raise retry
    return status


def _deliver(row: Row[Any], now: datetime) -> tuple[str, dict[str, Any], RetryableDeliveryError | None]:
    """Hand one claimed message to the provider: its new status, the values to record, and
    the error to raise for a retry."""
    try:
        accepted = sms_client().send(
            message_id=str(row.id),
            to=row.to or "",
            body=row.body,
            status_callback=status_callback_url(row.id),
        )
    except RetryableDeliveryError as error:
        wait = retry_wait(row.attempts, _retry_waits())
        if wait is None:
            return MessageStatus.FAILED, {"status": MessageStatus.FAILED, "error_code": error.code}, None
        held: dict[str, Any] = {
            "status": MessageStatus.QUEUED,
            "error_code": error.code,
            "send_after": now + timedelta(seconds=wait),
        }
        return MessageStatus.QUEUED, held, error
    except DeliveryError as error:
        values: dict[str, Any] = {"status": MessageStatus.FAILED, "error_code": error.code}
        if isinstance(error, InvalidNumberError):
            values["invalid_number"] = True
        return MessageStatus.FAILED, values, None
    return MessageStatus.SENT, {"sid": accepted.sid}, None


def _drop_jobs(message_ids: list[uuid.UUID]) -> None:
    """Forget the queued jobs of messages another job sent: a worker skips a job it cannot find."""
    from workers.queues import drop_sms_jobs

    try:
        drop_sms_jobs([str(i) for i in message_ids])
    except Exception:  # harmless: each job would find its message sent
        log.info("could not drop %s sent messages' jobs", len(message_ids), exc_info=True)


def recover_stale_sending(now: datetime | None = None) -> int:
    """Resolve messages left ``sending`` by a worker that died; returns how many were resolved."""
    now = now or clock.now()
    stale = db.session.scalars(
        select(Message)
        .where(Message.status == MessageStatus.SENDING, Message.updated_at < now - RULES.stale_sending_after)
        .limit(500)
    ).all()
    for message in stale:
        try:
            found = sms_client().find_sent(to=message.to or "", body=message.body, since=message.updated_at)
        except DeliveryError:
            log.warning("could not ask the provider about message %s", message.id, exc_info=True)
            continue
        if found is not None:
            _set(message.id, **_accepted(found.sid, now))
        else:
            message.status = MessageStatus.QUEUED
            message.send_after = None
    db.session.commit()
    return len(stale)


def release_due(now: datetime | None = None) -> int:
    """Enqueue queued messages whose hold has ended or whose dispatch was lost; returns how many."""
    now = now or clock.now()
    recover_stale_sending(now)
    lost_before = now - LOST_DISPATCH_AFTER
    message_ids = db.session.scalars(
        select(Message.id).where(
            Message.status == MessageStatus.QUEUED,
            or_(
                Message.send_after <= now,
                and_(Message.send_after.is_(None), Message.created_at < lost_before),
            ),
        )
    ).all()
    # A push left "sending" by a dead worker goes again: a repeated notification is harmless.
    db.session.execute(
        update(PushDelivery)
        .where(PushDelivery.status == "sending", PushDelivery.created_at < now - RULES.stale_sending_after)
        .values(status="queued")
        .execution_options(synchronize_session=False)
    )
    delivery_ids = db.session.scalars(
        select(PushDelivery.id).where(PushDelivery.status == "queued", PushDelivery.created_at < lost_before)
    ).all()
    db.session.commit()
    dispatch(message_ids, delivery_ids)
    return len(message_ids) + len(delivery_ids)


# Web Push


def send_push_delivery(delivery_id: int, now: datetime | None = None) -> str:
    """Send one push to each of the user's devices (the push job); 404/410 forget the device."""
    now = now or clock.now()
    claimed = db.session.execute(
        update(PushDelivery)
        .where(PushDelivery.id == delivery_id, PushDelivery.status == "queued")
        .values(status="sending", attempts=PushDelivery.attempts + 1)
        .returning(PushDelivery.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    delivery = db.session.get(PushDelivery, delivery_id)
    if delivery is None or claimed is None:
        return delivery.status if delivery else "missing"
    payload = json.loads(delivery.payload)
    devices = db.session.scalars(
        select(PushSubscription).where(PushSubscription.user_id == delivery.user_id)
    ).all()
    retry_later = False
    delivered = 0
    for device in devices:
        try:
            push_client().send(
                Subscription(device.endpoint, device.p256dh, device.auth),
                payload,
                ttl=RULES.push_ttl_s,
                urgency=delivery.urgency,
            )
            delivered += 1
        except GoneSubscriptionError:
            db.session.delete(device)
        except RetryableDeliveryError:
            retry_later = True
        except DeliveryError:
            log.warning("push %s refused for one device", delivery_id, exc_info=True)
    if retry_later and delivery.attempts < RULES.max_send_attempts:
        delivery.status = "queued"
        db.session.commit()
        raise RetryableDeliveryError(f"push {delivery_id}: a push service was unreachable")
    delivery.status = "sent" if delivered else "failed"
    delivery.sent_at = now if delivered else None
    db.session.commit()
    return delivery.status


def subscribe(user_id: uuid.UUID, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Remember a browser's subscription for the user.

    Only at a configured push service (422 otherwise); an endpoint belongs to the user
    who subscribed it: another user posting it gets 409 (their browser subscribes anew).
    """
    try:
        check_endpoint(endpoint, push_hosts(current_app.config.get("FIELDAPP_PUSH_HOSTS")))
    except RefusedEndpointError as error:
        raise ValidationError(
            "The endpoint is not at an allowed push service.", fields={"endpoint": [str(error)]}
        )
    device = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if device is not None and device.user_id != user_id:
        raise ConflictError("This endpoint is subscribed by another user.", code="conflict")
    if device is None:
        device = PushSubscription(endpoint=endpoint, user_id=user_id, p256dh=p256dh, auth=auth)
        db.session.add(device)
    else:
        device.p256dh, device.auth = p256dh, auth
    try:
        db.session.commit()
    except IntegrityError:  # the same endpoint subscribed at this very moment
        db.session.rollback()
        raise ConflictError("This endpoint is subscribed already.", code="conflict") from None
    return device


def unsubscribe(user_id: uuid.UUID, endpoint: str) -> None:
    """Forget the user's subscription at ``endpoint`` (nothing to do when there is none)."""
    device = db.session.scalar(
        select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == user_id
        )
    )
    if device is not None:
        db.session.delete(device)
        db.session.commit()


# Twilio's reports and residents' replies


def record_status_report(form: dict[str, str], message_id: str | None, now: datetime | None = None) -> None:
    """Move a message on by a delivery report (forward only); flag invalid numbers."""
    now = now or clock.now()
    sid = form.get("MessageSid") or form.get("SmsSid")
    new_status = PROVIDER_STATUSES.get((form.get("MessageStatus") or form.get("SmsStatus") or "").lower())
    message = db.session.scalar(select(Message).where(Message.provider_sid == sid)) if sid else None
    if message is None and message_id:
        try:
            message = db.session.get(Message, uuid.UUID(message_id))
        except ValueError:
            message = None
    if message is None or new_status is None:
        return
    if message.provider_sid is None and sid:
        message.provider_sid = sid
    if message.status == MessageStatus.SUPPRESSED:
        return
    error_code = form.get("ErrorCode")
    if error_code:
        message.error_code = error_code
        if error_code.isdigit() and int(error_code) in INVALID_NUMBER_CODES:
            _flag_invalid_number(message.resident_id)
    if can_move(message.status, new_status):
        message.status = new_status
        message.sent_at = message.sent_at or now
        if new_status == MessageStatus.DELIVERED:
            message.delivered_at = now
    db.session.commit()


def _set_opt_out(phone: str, opted_out: bool) -> bool:
    """Opt ``phone`` out (or back in); True when that changed anything."""
    current = db.session.get(SmsOptOut, phone)
    db.session.execute(
        update(Resident)
        .where(Resident.phone == phone, Resident.opted_out.is_not(opted_out))
        .values(opted_out=opted_out, change_seq=current_change_seq(db.session()))
    )
    if opted_out and current is None:
        db.session.add(SmsOptOut(phone=phone))
        return True
    if not opted_out and current is not None:
        db.session.delete(current)
        return True
    return False


def _confirm_next_appointment(resident_ids: list[uuid.UUID], now: datetime) -> bool:
    from fieldapp.followups.models import Enrollment

    if not resident_ids:
        return False
    enrollment = db.session.scalar(
        select(Enrollment)
        .where(
            Enrollment.resident_id.in_(resident_ids),
            Enrollment.status == fixed("active"),
            Enrollment.next_due_on.is_not(None),
        )
        .order_by(Enrollment.next_due_on, Enrollment.id)
        .limit(1)
    )
    if enrollment is None:
        return False
    enrollment.appointment_confirmed_at = now
    return True


def record_inbound(form: dict[str, str], now: datetime | None = None) -> str | None:
    """Act on a resident's reply; returns the text to answer with (once), or None."""
    now = now or clock.now()
    sid = form.get("MessageSid") or form.get("SmsSid") or None
    phone = (form.get("From") or "").strip()
    body = form.get("Body") or ""
    if sid and db.session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == sid)):
        return None
    residents = db.session.execute(
        select(Resident.id, Resident.language, Township)
        .join(Village, Village.id == Resident.village_id)
        .join(Township, Township.id == Village.township_id)
        .where(Resident.phone == phone)
        .order_by(Resident.created_at)
    ).all()
    # A 1 or 2 answers an open verification question first (then 1 confirms no appointment).
    answered = answer_open_question(phone, body, now)
    action = ReplyAction.VERIFICATION if answered else classify_reply(body)
    answer_needed = {
        ReplyAction.OPT_OUT: lambda: _set_opt_out(phone, True),
        ReplyAction.OPT_IN: lambda: _set_opt_out(phone, False),
        ReplyAction.CONFIRM: lambda: _confirm_next_appointment([r.id for r in residents], now),
        ReplyAction.NOTE: lambda: False,
        ReplyAction.VERIFICATION: lambda: False,
    }[action]()
    inbound = InboundMessage(
        provider_sid=sid,
        from_number=phone,
        body=body,
        action=action,
        resident_id=residents[0].id if residents else None,
        received_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(inbound)
    except IntegrityError:
        db.session.rollback()
        return None
    if action == ReplyAction.NOTE:
        # Kept for the doctors of every resident of that number, on the phone and in the console.
        keep_reply(inbound, [r.id for r in residents])
    answer = _answer_for(action, residents) if answer_needed else None
    if answer is not None:
        reply = Message(
            dedupe_key=f"reply:{sid or inbound.id}",
            to=phone,
            body=answer,
            kind="reply",
            segments=sms_segments(answer),
            resident_id=inbound.resident_id,
            status=MessageStatus.SENT,
            sent_at=now,
            attempts=1,
        )
        db.session.add(reply)
    db.session.commit()
    return answer


def _answer_for(action: ReplyAction, residents: Sequence[Any]) -> str:
    lang = residents[0].language if residents else "zh"
    centre = residents[0].Township.centre_name if residents else texts.default_centre_name(lang)
    builders = {
        ReplyAction.OPT_OUT: texts.opted_out_text,
        ReplyAction.OPT_IN: texts.opted_in_text,
        ReplyAction.CONFIRM: texts.confirmed_text,
    }
    return builders[action](centre, lang)


# Reading


def _message_clause(user: User) -> ColumnElement[bool]:
    """Messages the user may read: their area's residents and township, their facility, their own."""
    own: ColumnElement[bool] = Message.user_id == user.id
    if user.role == Role.COUNTY_ADMIN:
        return true()
    if user.role == Role.REFERRAL_DESK:
        return or_(own, Message.facility_id == user.facility_id) if user.facility_id else own
    residents = Message.resident_id.in_(select(Resident.id).where(resident_clause(user)))
    if user.role in TOWNSHIP_ROLES and user.township_id is not None:
        return or_(own, residents, Message.township_id == user.township_id)
    return or_(own, residents)


def list_messages(
    user: User, filters: dict[str, Any], page: int, per_page: int, *, audit: bool = True
) -> tuple[list[Message], int]:
    """A page of the messages the user may read, newest first (a bulk read, audited unless
    ``audit`` is off: a page about one resident whose read is audited already)."""
    query = select(Message).where(_message_clause(user))
    for name in ("resident_id", "status", "kind"):
        if filters.get(name) is not None:
            query = query.where(getattr(Message, name) == filters[name])
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(
        db.session.scalars(
            query.order_by(Message.created_at.desc(), Message.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    if audit:
        record_bulk_read(user, "messages", {**filters, "page": page, "per_page": per_page}, len(rows))
    return rows, total
