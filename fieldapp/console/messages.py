"""The township's message log: delivery rate, failed numbers to fix, replies to read, every SMS."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role
from fieldapp.console import replies
from fieldapp.console.manager import chosen_township
from fieldapp.console.queries import pages, visible_residents
from fieldapp.console.web import bp, me
from fieldapp.http import page_args
from fieldapp.messaging.models import MessageKind, MessageStatus
from fieldapp.messaging.service import list_messages
from fieldapp.timeutil import utcnow

RATE_WINDOW_DAYS = 30


@bp.get("/messages")
@roles_required(Role.TOWNSHIP_MANAGER)
def messages() -> ResponseReturnValue:
    """Delivery in the last 30 days, numbers to fix, unread replies, and the log itself."""
    user = me()
    township = chosen_township(user)
    page, per_page = page_args(default_per_page=50)
    status = request.args.get("status") if request.args.get("status") in set(MessageStatus) else None
    kind = request.args.get("kind") if request.args.get("kind") in set(MessageKind) else None
    log, total = list_messages(user, {"status": status, "kind": kind}, page, per_page)
    counts = replies.status_counts(user, township.id, utcnow() - timedelta(days=RATE_WINDOW_DAYS))
    return render_template(
        "console/messages.html",
        township=township,
        counts=counts,
        delivery_rate=replies.delivery_rate(counts),
        outbox=current_app.config.get("SMS_PROVIDER") == "outbox",
        to_fix=replies.numbers_to_fix(user, township.id),
        unread=replies.unread_replies(user, township.id),
        log=log,
        residents=visible_residents(user, {m.resident_id for m in log if m.resident_id}),
        paging=pages(total, page, per_page),
        status=status,
        kind=kind,
        statuses=list(MessageStatus),
        kinds=list(MessageKind),
    )


@bp.post("/messages/replies/read")
@roles_required(Role.TOWNSHIP_MANAGER)
def mark_read() -> ResponseReturnValue:
    """Mark the ticked replies as read."""
    user = me()
    ids = [int(raw) for raw in request.form.getlist("reply_id") if raw.isdigit()]
    changed = replies.mark_replies_read(user, chosen_township(user).id, ids)
    flash(_("%(n)s replies marked as read.", n=changed), "ok")
    return redirect(url_for(".messages"))
