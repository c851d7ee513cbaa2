"""County administration: townships, villages, facilities, users, audit log and job queues."""

from __future__ import annotations

import uuid
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.auth.context import roles_required
from fieldapp.auth.models import Role
from fieldapp.console.jobs import queue_states
from fieldapp.console.queries import audit_page, pages
from fieldapp.console.web import bp, form_data, me, submit, uuid_arg
from fieldapp.errors import NotFoundError, ValidationError
from fieldapp.http import page_args
from fieldapp.org import service as org
from fieldapp.org.schemas import (
    FacilitySchema,
    TownshipSchema,
    TownshipUpdateSchema,
    UserCreateSchema,
    UserUpdateSchema,
    VillageSchema,
)

admin_only = roles_required(Role.COUNTY_ADMIN)


@bp.get("/admin/org")
@admin_only
def org_page() -> ResponseReturnValue:
    """Townships, villages and facilities, with forms to add each."""
    user = me()
    return render_template(
        "console/admin_org.html",
        townships=org.list_townships(user),
        villages=org.list_villages(user),
        facilities=org.list_facilities(),
    )


@bp.post("/admin/townships")
@admin_only
def add_township() -> ResponseReturnValue:
    """Add a township."""
    back = url_for(".org_page")
    return submit(lambda: org.create_township(form_data(TownshipSchema())), _("Township added."), back)


def _expected_form() -> dict[str, Any]:
    """The expected-figures form as ``PATCH /townships/{id}`` takes it: a blank clears a figure."""
    expected: dict[str, Any] = {}
    for condition in ("hypertension", "diabetes"):
        raw = request.form.get(f"expected_{condition}", "").strip()
        expected[condition] = int(raw) if raw.lstrip("-").isdigit() else (raw or None)
    return {"expected": expected}


@bp.post("/admin/townships/<uuid:township_id>/expected")
@admin_only
def set_expected(township_id: uuid.UUID) -> ResponseReturnValue:
    """Set how many residents aged 35+ a township is expected to manage, per condition."""
    back = url_for(".org_page")
    return submit(
        lambda: org.update_township(township_id, TownshipUpdateSchema().load(_expected_form())),
        _("Expected figures saved."),
        back,
    )


@bp.post("/admin/villages")
@admin_only
def add_village() -> ResponseReturnValue:
    """Add a village to a township."""
    back = url_for(".org_page")
    return submit(lambda: org.create_village(form_data(VillageSchema())), _("Village added."), back)


@bp.post("/admin/facilities")
@admin_only
def add_facility() -> ResponseReturnValue:
    """Add a county facility."""
    back = url_for(".org_page")
    return submit(lambda: org.create_facility(form_data(FacilitySchema())), _("Facility added."), back)


@bp.get("/admin/users")
@admin_only
def users_page() -> ResponseReturnValue:
    """Every user, and the form to add one."""
    user = me()
    return render_template(
        "console/admin_users.html",
        users=org.list_users(user),
        townships=org.list_townships(user),
        villages=org.list_villages(user),
        facilities=org.list_facilities(),
        roles=list(Role),
    )


@bp.post("/admin/users")
@admin_only
def add_user() -> ResponseReturnValue:
    """Create a member of staff."""

    def create() -> object:
        return org.create_staff_user(form_data(UserCreateSchema(), lists=("village_ids",)))

    return submit(create, _("User created."), url_for(".users_page"))


@bp.get("/admin/users/<uuid:user_id>")
@admin_only
def user_page(user_id: uuid.UUID) -> ResponseReturnValue:
    """One user: edit, deactivate, reset the password."""
    user = me()
    return render_template(
        "console/admin_user.html",
        target=org.get_user(user, user_id),
        townships=org.list_townships(user),
        villages=org.list_villages(user),
        facilities=org.list_facilities(),
        roles=list(Role),
    )


# The user page's three forms, each changing only its own fields (blank means "none").
USER_FORMS = {
    "profile": ("role", "township_id", "facility_id", "village_ids", "name", "phone"),
    "password": ("password",),
    "active": ("active",),
}
CLEARABLE = ("township_id", "facility_id", "name", "phone")


@bp.post("/admin/users/<uuid:user_id>")
@admin_only
def edit_user(user_id: uuid.UUID) -> ResponseReturnValue:
    """Change a user's role and placement, password, or whether they may sign in."""
    fields = USER_FORMS.get(request.form.get("_form", ""))
    if fields is None:
        raise NotFoundError(_("Not found."))

    def change() -> object:
        data = form_data(
            UserUpdateSchema(only=fields), lists=("village_ids",) if "village_ids" in fields else ()
        )
        if fields == USER_FORMS["password"] and not data.get("password"):
            raise ValidationError(_("Some fields are not valid."), fields={"password": [_("required")]})
        data = {name: None for name in CLEARABLE if name in fields} | data
        return org.update_staff_user(me(), user_id, data)

    return submit(change, _("Saved."), url_for(".user_page", user_id=user_id))


@bp.get("/admin/audit")
@admin_only
def audit_log() -> ResponseReturnValue:
    """Who read or changed which resident, newest first."""
    page, per_page = page_args(default_per_page=50)
    user_id, entity_id = uuid_arg("user_id"), uuid_arg("resident_id")
    rows, total = audit_page(user_id=user_id, entity_id=entity_id, page=page, per_page=per_page)
    return render_template(
        "console/admin_audit.html",
        rows=rows,
        paging=pages(total, page, per_page),
        users=org.list_users(me()),
        user_id=user_id,
        resident_id=entity_id,
    )


@bp.get("/admin/jobs")
@admin_only
def jobs_page() -> ResponseReturnValue:
    """Job queues and failed jobs (from RQ's registries), or "not configured" without Redis."""
    return render_template("console/admin_jobs.html", queues=queue_states())
