"""Township manager pages: residents, patrols, doctors and their villages."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role, User
from fieldapp.auth.scoping import TOWNSHIP_ROLES
from fieldapp.console.queries import pages, resident_history
from fieldapp.console.records import followup_facts
from fieldapp.console.web import bp, form_data, me, submit, uuid_arg
from fieldapp.errors import NotFoundError, ValidationError
from fieldapp.followups import service as followups_service
from fieldapp.followups.schemas import CLOSE_REASONS, EnrollmentCloseSchema
from fieldapp.healthchecks.service import health_checks_of
from fieldapp.http import page_args
from fieldapp.org import service as org
from fieldapp.org.models import Township, Village
from fieldapp.patrols import service as patrols_service
from fieldapp.patrols.models import Patrol, PatrolKind, PatrolStatus
from fieldapp.patrols.schemas import PatrolCancelSchema, PatrolChangeSchema, PatrolSchema
from fieldapp.residents import service as residents_service
from fieldapp.residents.keygroups import KEY_GROUPS
from fieldapp.screenings.service import screenings_of
from fieldapp.timeutil import local_today

township_pages = roles_required(Role.TOWNSHIP_MANAGER, Role.COUNTY_ADMIN)
DOCTOR_ROLES = (Role.VILLAGE_DOCTOR, Role.TOWNSHIP_DOCTOR)
PATROL_DAYS_BACK, PATROL_DAYS_AHEAD = 30, 90
# DOMAIN.md "Closing and losing track": the first edition's ``cured`` stays accepted by the API,
# but hypertension and diabetes are not cured, so the console does not offer it.
OFFERED_CLOSE_REASONS = tuple(reason for reason in CLOSE_REASONS if reason != "cured")


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
    language = "en" if str(get_locale()) == "en" else "zh"
    return render_template(
        "console/resident.html",
        resident=found,
        enrollments=residents_service.enrollments_of(resident_id),
        history=history,
        screenings=screenings_of(resident_id),
        health_checks=health_checks_of(resident_id),
        records=[followup_facts(f, language) for f in history.followups],
        year=local_today().year,
        close_reasons=OFFERED_CLOSE_REASONS,
        **contract_panel(user, found),
    )


@bp.post("/enrollments/<uuid:enrollment_id>/close")
@roles_required(Role.TOWNSHIP_MANAGER)
def close_enrollment(enrollment_id: uuid.UUID) -> ResponseReturnValue:
    """Close an enrollment from the resident's page: a reason, the date, and for a death its date and cause."""
    resident_id = request.form.get("_resident_id", "")

    def close() -> object:
        body = form_data(EnrollmentCloseSchema())
        if body["reason"] not in OFFERED_CLOSE_REASONS:
            raise ValidationError(_("Some fields are not valid."), fields={"reason": ["Invalid value."]})
        if body["reason"] == "died":  # DOMAIN.md: a death is closed with its date and cause
            missing = {name: ["Missing data for required field."] for name in ("death_on", "death_cause")}
            missing = {name: problem for name, problem in missing.items() if not body.get(name)}
            if missing:
                raise ValidationError(_("Some fields are not valid."), fields=missing)
        return followups_service.close_enrollment(me(), enrollment_id, body)

    return submit(close, _("Enrollment closed."), url_for(".resident", resident_id=resident_id))


def chosen_month(today: date) -> date:
    """``?month=YYYY-MM`` (default this month) as its first day; anything else is a 404."""
    raw = request.args.get("month", "")
    if not raw:
        return today.replace(day=1)
    try:
        first = date.fromisoformat(f"{raw}-01")
    except ValueError:
        raise NotFoundError(_("No such month.")) from None
    if not 2000 <= first.year <= 2100:
        raise NotFoundError(_("No such month."))
    return first


@dataclass(frozen=True)
class CalendarRow:
    """One village's month: for each day, the planned patrol or stationing there (or None)."""

    village: Village
    days: list[Patrol | None]


def month_calendar(villages: list[Village], patrols: list[Patrol], first: date) -> list[CalendarRow]:
    """The month by village: which days a team is there (cancelled ones left out)."""
    length = calendar.monthrange(first.year, first.month)[1]
    rows = {v.id: CalendarRow(v, [None] * length) for v in villages}
    for patrol in patrols:
        if patrol.status != PatrolStatus.PLANNED or patrol.village_id not in rows:
            continue
        for n in range(length):
            if patrol.date <= first + timedelta(days=n) <= patrol.last_day:
                rows[patrol.village_id].days[n] = patrol
    return list(rows.values())


@bp.get("/patrols")
@township_pages
def patrols() -> ResponseReturnValue:
    """Coming patrols and stationings (to change or cancel), past ones apart, the month by village, and the plan form."""
    user = me()
    township = chosen_township(user)
    today = local_today()
    month = chosen_month(today)
    month_end = month + timedelta(days=calendar.monthrange(month.year, month.month)[1] - 1)
    listed = patrols_service.list_patrols(
        user,
        township.id,
        min(month, today - timedelta(days=PATROL_DAYS_BACK)),
        max(month_end, today + timedelta(days=PATROL_DAYS_AHEAD)),
    )
    staff = township_staff(user, township)
    villages = org.list_villages(user, township.id)
    in_month = [p for p in listed if p.date <= month_end and p.last_day >= month]
    return render_template(
        "console/patrols.html",
        township=township,
        coming=[
            p for p in listed if p.last_day >= today and p.date <= today + timedelta(days=PATROL_DAYS_AHEAD)
        ],
        past=sorted(
            (p for p in listed if today - timedelta(days=PATROL_DAYS_BACK) <= p.last_day < today),
            key=lambda p: p.date,
            reverse=True,
        ),
        villages=villages,
        village_names={v.id: v.name for v in villages},
        staff=staff,
        staff_names={str(u.id): u.name or u.username for u in staff},
        today=today,
        month=month,
        prev_month=(month - timedelta(days=1)).replace(day=1),
        next_month=month_end + timedelta(days=1),
        calendar=month_calendar(villages, in_month, month),
        preset_village=uuid_arg("village_id"),
    )


@bp.post("/patrols")
@roles_required(Role.TOWNSHIP_MANAGER)
def plan_patrol() -> ResponseReturnValue:
    """Plan a patrol (village, date, team, note) or a stationing (also its last day)."""

    def create() -> object:
        data = form_data(PatrolSchema(), lists=("team",))
        if data.get("kind") != PatrolKind.STATIONING:
            data["until"] = None
        return patrols_service.create_patrol(me(), data)

    return submit(create, _("Patrol planned."), url_for(".patrols"))


@bp.get("/patrols/<uuid:patrol_id>")
@township_pages
def patrol_page(patrol_id: uuid.UUID) -> ResponseReturnValue:
    """One patrol or stationing: change its dates, team or note, or cancel it, before it starts."""
    user = me()
    patrol = patrols_service.get_patrol(user, patrol_id)
    township = chosen_township(user) if user.role != Role.COUNTY_ADMIN else patrol_township(user, patrol)
    staff = township_staff(user, township)
    village = next((v for v in org.list_villages(user, township.id) if v.id == patrol.village_id), None)
    return render_template(
        "console/patrol.html",
        township=township,
        patrol=patrol,
        village=village,
        staff=staff,
        staff_names={str(u.id): u.name or u.username for u in staff},
        changeable=patrol.status == PatrolStatus.PLANNED and patrol.date > local_today(),
        today=local_today(),
    )


def patrol_township(user: User, patrol: Patrol) -> Township:
    """The township a patrol belongs to, as the user sees it."""
    for township in org.list_townships(user):
        if township.id == patrol.township_id:
            return township
    raise NotFoundError(_("No such township."))


@bp.post("/patrols/<uuid:patrol_id>")
@roles_required(Role.TOWNSHIP_MANAGER)
def change_patrol(patrol_id: uuid.UUID) -> ResponseReturnValue:
    """Change a patrol's dates, team or note (residents already told get a correction)."""

    patrol = patrols_service.get_patrol(me(), patrol_id)  # another township's patrol is a 404

    def change() -> object:
        data = form_data(PatrolChangeSchema(), lists=("team",))
        data.setdefault("note", None)
        if patrol.kind != PatrolKind.STATIONING:
            data.pop("until", None)
        return patrols_service.update_patrol(me(), patrol_id, data)

    return submit(change, _("Patrol changed."), url_for(".patrol_page", patrol_id=patrol_id))


@bp.post("/patrols/<uuid:patrol_id>/cancel")
@roles_required(Role.TOWNSHIP_MANAGER)
def cancel_patrol(patrol_id: uuid.UUID) -> ResponseReturnValue:
    """Cancel a patrol with its reason (residents already told get a correction)."""

    def cancel() -> object:
        return patrols_service.cancel_patrol(me(), patrol_id, form_data(PatrolCancelSchema())["reason"])

    return submit(cancel, _("Patrol cancelled."), url_for(".patrol_page", patrol_id=patrol_id))


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
