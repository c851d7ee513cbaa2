"""Township manager pages: residents, patrols, doctors and their villages."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role, User
from fieldapp.auth.scoping import TOWNSHIP_ROLES
from fieldapp.console.queries import pages, resident_history
from fieldapp.console.web import bp, form_data, me, submit, uuid_arg
from fieldapp.errors import NotFoundError
from fieldapp.http import page_args
from fieldapp.org import service as org
from fieldapp.org.models import Township
from fieldapp.patrols import service as patrols_service
from fieldapp.patrols.schemas import PatrolSchema
from fieldapp.residents import service as residents_service
from fieldapp.residents.keygroups import KEY_GROUPS
from fieldapp.timeutil import local_today

township_pages = roles_required(Role.TOWNSHIP_MANAGER, Role.COUNTY_ADMIN)
DOCTOR_ROLES = (Role.VILLAGE_DOCTOR, Role.TOWNSHIP_DOCTOR)
PATROL_DAYS_BACK, PATROL_DAYS_AHEAD = 30, 90


def chosen_township(user: User) -> Township:
    """The manager's own township; a county admin picks one with ``?township_id=`` (default: the first)."""
    townships = org.list_townships(user)
    wanted = user.township_id if user.role != Role.COUNTY_ADMIN else uuid_arg("township_id")
    for township in townships:
        if wanted is None or township.id == wanted:
            return township
    raise NotFoundError(_("No such township."))


def township_staff(user: User, township: Township) -> list[User]:
    """Active doctors and managers of the township (who may join a patrol or be assigned villages)."""
    return [
        u
        for u in org.list_users(user)
        if u.township_id == township.id and u.active and u.role in (*DOCTOR_ROLES, *TOWNSHIP_ROLES)
    ]


@bp.get("/residents")
@township_pages
def residents() -> ResponseReturnValue:
    """Find a resident by name, phone or id number, in a village or the whole area."""
    user = me()
    page, per_page = page_args(default_per_page=50)
    village_id, q = uuid_arg("village_id"), request.args.get("q", "").strip()
    key_group = request.args.get("key_group") if request.args.get("key_group") in KEY_GROUPS else None
    rows, total = residents_service.search_residents(
        user, village_id=village_id, q=q or None, page=page, per_page=per_page, key_group=key_group
    )
    return render_template(
        "console/residents.html",
        rows=rows,
        paging=pages(total, page, per_page),
        villages=org.list_villages(user),
        village_id=village_id,
        q=q,
        key_groups=KEY_GROUPS,
        key_group=key_group,
    )


@bp.get("/residents/<uuid:resident_id>")
@roles_required(Role.TOWNSHIP_MANAGER, Role.COUNTY_ADMIN, Role.REFERRAL_DESK)
def resident(resident_id: uuid.UUID) -> ResponseReturnValue:
    """One resident: enrollments, follow-up history, SMS both ways, referrals (the read is audited)."""
    user = me()
    found = residents_service.get_resident(user, resident_id)
    from fieldapp.console.contracts import contract_panel  # it builds on this module's township helpers

    history = resident_history(user, resident_id, with_messages=user.role != Role.REFERRAL_DESK)
    return render_template(
        "console/resident.html",
        resident=found,
        enrollments=residents_service.enrollments_of(resident_id),
        history=history,
        **contract_panel(user, found),
    )


@bp.get("/patrols")
@township_pages
def patrols() -> ResponseReturnValue:
    """The township's patrols of the last month and the next three, and the form to plan one."""
    user = me()
    township = chosen_township(user)
    today = local_today()
    planned = patrols_service.list_patrols(
        user, township.id, today - timedelta(days=PATROL_DAYS_BACK), today + timedelta(days=PATROL_DAYS_AHEAD)
    )
    staff = township_staff(user, township)
    villages = org.list_villages(user, township.id)
    return render_template(
        "console/patrols.html",
        township=township,
        patrols=planned,
        villages=villages,
        village_names={v.id: v.name for v in villages},
        staff=staff,
        staff_names={str(u.id): u.name or u.username for u in staff},
        today=today,
        preset_village=uuid_arg("village_id"),
    )


@bp.post("/patrols")
@roles_required(Role.TOWNSHIP_MANAGER)
def plan_patrol() -> ResponseReturnValue:
    """Plan a patrol: village, date, team, note."""

    def create() -> object:
        return patrols_service.create_patrol(me(), form_data(PatrolSchema(), lists=("team",)))

    return submit(create, _("Patrol planned."), url_for(".patrols"))


@bp.get("/doctors")
@township_pages
def doctors() -> ResponseReturnValue:
    """The township's doctors, the villages each serves, and the form to change them."""
    user = me()
    township = chosen_township(user)
    return render_template(
        "console/doctors.html",
        township=township,
        doctors=[u for u in township_staff(user, township) if u.role in DOCTOR_ROLES],
        villages=org.list_villages(user, township.id),
    )


@bp.post("/doctors/<uuid:user_id>/villages")
@roles_required(Role.TOWNSHIP_MANAGER, Role.COUNTY_ADMIN)
def assign_villages(user_id: uuid.UUID) -> ResponseReturnValue:
    """Give a doctor the villages they are responsible for."""
    ids = [uuid_arg("v", {"v": raw}) for raw in request.form.getlist("village_ids") if raw]

    def assign() -> object:
        return org.update_staff_user(me(), user_id, {"village_ids": ids})

    return submit(
        assign, _("Villages assigned."), url_for(".doctors", township_id=request.args.get("township_id"))
    )
