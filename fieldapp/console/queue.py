"""The township's follow-up queue: due, overdue and lost, filtered, sorted, paged, counted, exported."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fieldapp.auth.models import User
from fieldapp.console.exports import EXPORT_LANGUAGE, Column, Kind, Table, download, title_line
from fieldapp.console.manager import DOCTOR_ROLES, chosen_township, township_pages, township_staff
from fieldapp.console.queries import pages, queue_counts_by_village
from fieldapp.console.web import bp, me, uuid_arg
from fieldapp.errors import NotFoundError
from fieldapp.followups.rules import QueueState
from fieldapp.followups.service import QueueItem, queue_page
from fieldapp.glossary import label
from fieldapp.http import page_args
from fieldapp.org import service as org
from fieldapp.org.models import Township
from fieldapp.residents.keygroups import KEY_GROUPS
from fieldapp.timeutil import local_today, to_local

STATES = ("all", *(state.value for state in QueueState), "screening", "health_check")
SORTS = ("due_asc", "due_desc")
CONDITIONS = ("hypertension", "diabetes")
EXPORT_LIMIT = 10000


def _queue_filters(user: User, township: Township, doctors: list[User]) -> dict[str, Any]:
    """The query string's filters, checked: unknown values are dropped, a stranger doctor is 404."""
    args = request.args
    filters: dict[str, Any] = {
        "township_id": township.id,
        "status": args.get("status") if args.get("status") in STATES else "overdue",
        "condition": args.get("condition") if args.get("condition") in CONDITIONS else None,
        "village_id": uuid_arg("village_id"),
        "key_group": args.get("key_group") if args.get("key_group") in KEY_GROUPS else None,
        "sort": args.get("sort") if args.get("sort") in SORTS else "due_asc",
    }
    doctor_id = uuid_arg("doctor_id")
    if doctor_id is not None:
        doctor = next((d for d in doctors if d.id == doctor_id), None)
        if doctor is None:
            raise NotFoundError(_("No such doctor."))
        filters["village_ids"] = doctor.village_ids
    filters["doctor_id"] = doctor_id
    return filters


def _doctors(user: User, township: Township) -> list[User]:
    return [u for u in township_staff(user, township) if u.role in DOCTOR_ROLES]


@bp.get("/queue")
@township_pages
def queue() -> ResponseReturnValue:
    """Who needs a follow-up: one page of the queue, with counts per village."""
    user = me()
    township = chosen_township(user)
    doctors = _doctors(user, township)
    filters = _queue_filters(user, township, doctors)
    page, per_page = page_args(default_per_page=50)
    items, total = queue_page(user, filters, page, per_page)
    villages = org.list_villages(user, township.id)
    counts = queue_counts_by_village(
        user, township.id, filters["condition"], local_today(), filters.get("village_ids")
    )
    return render_template(
        "console/queue.html",
        township=township,
        items=items,
        paging=pages(total, page, per_page),
        filters=filters,
        villages=villages,
        village_names={v.id: v.name for v in villages},
        counts=counts,
        count_villages=[
            v for v in villages if filters.get("village_ids") is None or v.id in filters["village_ids"]
        ],
        doctors=doctors,
        states=STATES,
        conditions=CONDITIONS,
        key_groups=KEY_GROUPS,
    )


def queue_rows(items: list[QueueItem], village_names: dict[Any, str]) -> list[list[Any]]:
    """The export's rows, one per queue item, in QUEUE_COLUMNS' order and words."""
    rows = []
    for item in items:
        last = item.last_followup
        rows.append(
            [
                item.resident.name,
                label("sex", item.resident.sex, EXPORT_LANGUAGE),
                item.resident.birth_date,
                item.resident.phone,
                village_names.get(item.resident.village_id),
                label("condition", item.condition, EXPORT_LANGUAGE),
                item.due_on,
                item.days_overdue,
                label("queue_state", item.state, EXPORT_LANGUAGE),
                to_local(last.performed_at).replace(tzinfo=None) if last else None,
                f"{last.sbp}/{last.dbp}" if last and last.sbp else None,
                label("classification", last.classification, EXPORT_LANGUAGE) if last else None,
                (item.doctor or {}).get("name") or (item.doctor or {}).get("username"),
            ]
        )
    return rows


QUEUE_COLUMNS = (
    Column("name"),
    Column("sex"),
    Column("birth_date", Kind.DATE),
    Column("phone"),
    Column("village"),
    Column("condition"),
    Column("due_on", Kind.DATE),
    Column("days_overdue", Kind.INT),
    Column("state"),
    Column("last_followup_at", Kind.DATETIME),
    Column("last_bp"),
    Column("last_classification"),
    Column("doctor"),
)


def _filter_words(filters: dict[str, Any], villages: dict[Any, str], doctors: list[User]) -> list[str]:
    """The filters as the title row names them."""
    words = [label("queue_state", filters["status"], EXPORT_LANGUAGE)]
    if filters["condition"]:
        words.append(label("condition", filters["condition"], EXPORT_LANGUAGE))
    if filters["village_id"]:
        words.append(villages.get(filters["village_id"], ""))
    doctor = next((d for d in doctors if d.id == filters["doctor_id"]), None)
    if doctor is not None:
        words.append(f"{label('column', 'doctor', EXPORT_LANGUAGE)} {doctor.name or doctor.username}")
    return words


@bp.get("/queue.<fmt>")
@township_pages
def queue_export(fmt: str) -> ResponseReturnValue:
    """The whole filtered queue (up to 10,000 rows) as CSV or XLSX."""
    user = me()
    township = chosen_township(user)
    doctors = _doctors(user, township)
    filters = _queue_filters(user, township, doctors)
    items, _total = queue_page(user, filters, 1, EXPORT_LIMIT, audit_action="export")
    villages = {v.id: v.name for v in org.list_villages(user, township.id)}
    today = local_today()
    title = title_line(
        township.name,
        label("export", "queue", EXPORT_LANGUAGE),
        _filter_words(filters, villages, doctors),
        today,
    )
    table = Table(title, QUEUE_COLUMNS, queue_rows(items, villages))
    return download(fmt, f"queue-{township.code}-{filters['status']}-{today.isoformat()}", table)
