"""Authorisation cases for referrals: field roles refer and cancel, the facility's desk decides."""

from __future__ import annotations

from typing import Any

from fieldapp.extensions import db
from tests.authz.matrix import LISTED, UNLISTED, Call, Case, by_role
from tests.authz.world import Area, refer, resident_in

FIELD_ONLY = {"village_doctor": 201, "township_doctor": 201, "township_manager": 201}


def _new_referral(area: Area) -> Call:
    body = {
        "resident_id": str(resident_in(area).id),
        "facility_id": str(area.facility.id),
        "urgency": "urgent",
        "reason": "uncontrolled blood pressure",
    }
    return Call("/api/v1/referrals", json=body)


def _referral(area: Area) -> Call:
    return Call(f"/api/v1/referrals/{refer(resident_in(area), area).id}")


def _referrals(area: Area) -> Call:
    return Call("/api/v1/referrals", listed_id=refer(resident_in(area), area).id)


def _change(transition: str, body: dict[str, Any], *, accepted: bool = False) -> Any:
    def setup(area: Area) -> Call:
        referral = refer(resident_in(area), area)
        if accepted:
            referral.status = "accepted"
            db.session.commit()
        return Call(f"/api/v1/referrals/{referral.id}/{transition}", json=body)

    return setup


# The desk of the referral's facility decides; the referring side (and the county) only cancels.
DESK_DECIDES = {
    "inside": by_role(403, referral_desk=200),
    "outside": by_role(404, county_admin=403),
}

CASES = [
    Case(
        "referrals_api.create_referral",
        "POST",
        _new_referral,
        inside=by_role(403, **FIELD_ONLY),
        outside=by_role(403, village_doctor=404, township_doctor=404, township_manager=404),
    ),
    Case(
        "referrals_api.get_referral",
        "GET",
        _referral,
        inside=by_role(200),
        outside=by_role(404, county_admin=200),
    ),
    Case(
        "referrals_api.list_referrals",
        "GET",
        _referrals,
        inside=by_role(LISTED),
        outside=by_role(UNLISTED, county_admin=LISTED),
    ),
    Case(
        "referrals_api.accept_referral",
        "POST",
        _change("accept", {"note": "bring your records"}),
        **DESK_DECIDES,
    ),
    Case("referrals_api.decline_referral", "POST", _change("decline", {"reason": "no bed"}), **DESK_DECIDES),
    Case(
        "referrals_api.complete_referral",
        "POST",
        _change("complete", {"outcome": "controlled"}, accepted=True),
        **DESK_DECIDES,
    ),
    Case(
        "referrals_api.cancel_referral",
        "POST",
        _change("cancel", {"reason": "declined by the resident"}),
        inside=by_role(200, referral_desk=403),
        outside=by_role(404, county_admin=200),
    ),
]
