"""Residents as API.md reads and writes them."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, pre_load, validate

from fieldapp.residents.identity import normalize_id_number
from fieldapp.residents.keygroups import FLAGGED, KEY_GROUPS
from fieldapp.schemas import Instant, PageSchema, QueryPageSchema, StrictSchema, without_nulls
from fieldapp.timeutil import local_today

LANGUAGES = ("zh", "en")
EARLIEST_BIRTH = date(1880, 1, 1)


def check_birth_date(value: date) -> None:
    """A birth date lies between 1880 and today (checked with the other fields, so all are told at once)."""
    if value > local_today():
        raise ValidationError("must not be in the future")
    if value < EARLIEST_BIRTH:
        raise ValidationError("must be after 1880-01-01")


def check_id_number(value: str | None) -> None:
    """An identity number, when given, has a right check digit."""
    if value and normalize_id_number(value) is None:
        raise ValidationError("not a valid 18-character identity number (check digit)")


def contract_summary(resident: Any) -> dict[str, Any] | None:
    """The active family-doctor contract as every resident list shows it: team and end date."""
    read = getattr(resident, "contract_read", None)
    if read is not None:  # read with the page's own statement (a queue page)
        return read.summary
    contract = resident.active_contract
    if contract is None:
        return None
    return contract_row(
        contract.id, contract.team_id, contract.team.name, contract.starts_on, contract.ends_on
    )


def contract_row(
    contract_id: Any, team_id: Any, team_name: str, starts_on: date, ends_on: date
) -> dict[str, Any] | None:
    """``contract_summary``'s answer from the contract's columns (None when there is no contract)."""
    if contract_id is None:
        return None
    return {
        "id": str(contract_id),
        "team": {"id": str(team_id), "name": team_name},
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
    }


class ResidentSchema(StrictSchema):
    """A resident; ``phone_invalid`` and ``opted_out`` are the server's to set."""

    id = fields.UUID(load_default=None)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    sex = fields.String(required=True, validate=validate.OneOf(["M", "F"]))
    birth_date = fields.Date(required=True, validate=check_birth_date)
    village_id = fields.UUID(required=True)
    household_id = fields.UUID(allow_none=True, load_default=None)
    id_number = fields.String(allow_none=True, load_default=None, validate=check_id_number)
    # Given by the server unless an imported record brings its own; never changed afterwards.
    record_number = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(r"^[0-9]{17}$", error="must be 17 digits"),
    )
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=32))
    sms_consent = fields.Boolean(required=True)
    language = fields.String(load_default="zh", validate=validate.OneOf(LANGUAGES))
    key_group_flags = fields.List(
        fields.String(validate=validate.OneOf(FLAGGED)), load_default=list, load_only=True
    )
    phone_invalid = fields.Boolean(dump_only=True)
    opted_out = fields.Boolean(dump_only=True)
    key_groups = fields.List(fields.String(metadata={"enum": list(KEY_GROUPS)}), dump_only=True)
    contract = fields.Function(contract_summary, dump_only=True, allow_none=True)
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)

    @pre_load
    def drop_null_defaults(self, data: Any, **_kwargs: Any) -> Any:
        """``language: null`` is the default language, as when it is left out."""
        return without_nulls(data, ("language",))


class ResidentDetailSchema(ResidentSchema):
    """``GET /api/v1/residents/{id}``: a resident with their enrollments, newest first."""

    # By name: the enrollment schema lives in followups, which imports this module.
    enrollments = fields.List(fields.Nested("EnrollmentSchema"), dump_only=True)


class ResidentUpdateSchema(StrictSchema):
    """``PATCH /api/v1/residents/{id}``: any field of a resident."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    sex = fields.String(validate=validate.OneOf(["M", "F"]))
    birth_date = fields.Date(validate=check_birth_date)
    village_id = fields.UUID()
    household_id = fields.UUID(allow_none=True)
    id_number = fields.String(allow_none=True, validate=check_id_number)
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    sms_consent = fields.Boolean()
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    key_group_flags = fields.List(fields.String(validate=validate.OneOf(FLAGGED)))


class ResidentPageSchema(PageSchema):
    """A page of residents."""

    items = fields.List(fields.Nested(ResidentSchema))


class ResidentQuerySchema(QueryPageSchema):
    """``GET /api/v1/residents`` filters; ``q`` matches name, phone, identity or record number."""

    class Meta:
        unknown = EXCLUDE

    village_id = fields.UUID(load_default=None)
    q = fields.String(load_default=None)
    key_group = fields.String(load_default=None, validate=validate.OneOf(KEY_GROUPS))
