"""The county referral desk (incoming referrals, accept, decline, complete) and a township's referrals."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import Schema

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role, User
from fieldapp.console.manager import chosen_township, township_pages
from fieldapp.console.queries import names_by_id, pages, users_by_id, visible_residents
from fieldapp.console.web import bp, form_data, me, submit
from fieldapp.http import page_args
from fieldapp.org.models import Facility, Township
from fieldapp.referrals import service as referrals_service
from fieldapp.referrals.models import Referral
from fieldapp.referrals.rules import ReferralStatus, Urgency
from fieldapp.referrals.schemas import AcceptSchema, CompleteSchema, DeclineSchema
from fieldapp.timeutil import isoformat_local, utcnow

desk_only = roles_required(Role.REFERRAL_DESK)
URGENCY_ORDER = {urgency.value: rank for rank, urgency in enumerate(Urgency)}
# How many referrals of one status the desk page lists (the oldest pending come first).
DESK_LIMIT = 200
RECENT_CLOSED = 20


def _context(user: User, referrals: list[Referral]) -> dict[str, Any]:
    """Names a referral list shows, each fetched once for the whole list."""
    return {
        "residents": visible_residents(user, {r.resident_id for r in referrals}),
        "townships": names_by_id(Township, {r.township_id for r in referrals}),
        "facilities": names_by_id(Facility, {r.facility_id for r in referrals}),
        "doctors": users_by_id({r.referred_by for r in referrals}),
        "iso": isoformat_local,
        "now": isoformat_local(utcnow()),
    }


@bp.get("/desk")
@desk_only
def desk() -> ResponseReturnValue:
    """Pending referrals by urgency with the time left to acknowledge; accepted ones to complete."""
    user = me()
    pending, _n = referrals_service.list_referrals(
        user, {"status": ReferralStatus.PENDING}, per_page=DESK_LIMIT
    )
    accepted, _n = referrals_service.list_referrals(
        user, {"status": ReferralStatus.ACCEPTED}, per_page=DESK_LIMIT
    )
    recent, _n = referrals_service.list_referrals(user, {}, per_page=RECENT_CLOSED)
    closed = [r for r in recent if r.status not in (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)]
    pending.sort(key=lambda r: (URGENCY_ORDER.get(r.urgency, 99), r.ack_deadline))
    accepted.sort(key=lambda r: r.appointment_at or r.accepted_at or r.created_at)
    return render_template(
        "console/desk.html",
        pending=pending,
        accepted=accepted,
        closed=closed,
        **_context(user, [*pending, *accepted, *closed]),
    )


def _decide(
    referral_id: uuid.UUID, schema: Schema, change: Callable[..., Referral], done: str
) -> ResponseReturnValue:
    def act() -> Referral:
        return change(me(), referral_id, form_data(schema))

    return submit(act, done, url_for(".desk"))


@bp.post("/desk/<uuid:referral_id>/accept")
@desk_only
def accept(referral_id: uuid.UUID) -> ResponseReturnValue:
    """Accept a pending referral; the appointment time is optional (an emergency is on its way)."""
    return _decide(referral_id, AcceptSchema(), referrals_service.accept_referral, _("Referral accepted."))


@bp.post("/desk/<uuid:referral_id>/decline")
@desk_only
def decline(referral_id: uuid.UUID) -> ResponseReturnValue:
    """Decline a pending referral, with the reason."""
    return _decide(referral_id, DeclineSchema(), referrals_service.decline_referral, _("Referral declined."))


@bp.post("/desk/<uuid:referral_id>/complete")
@desk_only
def complete(referral_id: uuid.UUID) -> ResponseReturnValue:
    """Complete an accepted referral: the outcome goes back to the township."""
    return _decide(
        referral_id, CompleteSchema(), referrals_service.complete_referral, _("Referral completed.")
    )


@bp.get("/referrals")
@township_pages
def township_referrals() -> ResponseReturnValue:
    """The township's referrals, newest first, by status."""
    user = me()
    township = chosen_township(user)
    page, per_page = page_args(default_per_page=50)
    status = request.args.get("status") or None
    if status not in (None, *ReferralStatus):
        status = None
    rows, total = referrals_service.list_referrals(
        user, {"status": status, "township_id": township.id}, page=page, per_page=per_page
    )
    return render_template(
        "console/township_referrals.html",
        township=township,
        rows=rows,
        paging=pages(total, page, per_page),
        status=status,
        statuses=list(ReferralStatus),
        **_context(user, rows),
    )
